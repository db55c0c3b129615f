#pragma once
// Torch-free entry point for `facenet embed`, and the image listing the face tasks share.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "facenet/core/config.h"
#include "facenet/tasks/detect_args.h"
#include "facenet/tasks/model_args.h"

namespace facenet::tasks {

struct EmbedOptions {
  std::string model;                ///< TorchScript export, ONNX export or checkpoint
  std::vector<std::string> inputs;  ///< folders (searched recursively) and/or image files, or video files
  std::string out;                  ///< *.csv or *.npy (+ *.npy.txt listing the paths)
  int64_t batch_size = 64;
  int threads = 0;                  ///< decode threads; 0 = all cores
  DetectArgs detect;
  VideoArgs video;                  ///< every Nth frame, tracking
  InferenceDtype dtype = InferenceDtype::FP32;  ///< runtime.inference_dtype
  PreprocessArgs preprocess;  ///< a foreign ONNX model\'s input (tasks/model_args.h)
};

struct EmbedSummary {
  int64_t images = 0;
  int64_t videos = 0;
  int64_t frames = 0;        ///< video frames processed (every Nth)
  int64_t tracks = 0;        ///< face tracks over all videos
  int64_t rows = 0;          ///< embeddings written (faces with a detector, images without)
  int64_t without_face = 0;  ///< photos (or processed video frames) where the detector found no face
  int64_t unreadable = 0;    ///< with a detector: photos that could not be decoded (logged)
  std::string detector;      ///< none | haar | yunet
  std::string crop;          ///< none | margin | 5point
};

/// Embeds every image. Without a detector: CSV rows are path (relative to the given folder, or as
/// given for a file), then the D values. With one: one row per face: path, face index (largest
/// first), x, y, width, height, score, then the D values; photos without a face are logged and
/// counted. Videos (files with a video extension; not mixed with images, since their rows lead with
/// other columns): one row per face of every Nth frame: video, frame index, seconds, x, y, width,
/// height, score, track id, then the D values; a model trained on crops needs --detect (--detect
/// none: each frame is one face). NPY: float32 (N, D), NPY v1; its .npy.txt lists the rows'
/// leading columns.
EmbedSummary run_embed(const EmbedOptions& options);

/// Writes a float32 (rows, cols) row-major array in NPY v1 format (atomically).
void write_npy(const std::string& path, const float* data, int64_t rows, int64_t cols);

/// Image files under `input` (recursive, sorted; the extensions data::is_image_path accepts) or `input` itself, with the
/// names reported for them (relative to the folder, or as given).
std::vector<std::pair<std::string, std::string>> list_images(const std::string& input);

}  // namespace facenet::tasks
