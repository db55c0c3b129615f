#pragma once
// Every face of a video: its frames read every Nth (detect::VideoReader), faces found with the
// plan's detector, joined across frames into tracks (detect::IouTracker), cropped and embedded.
#include <torch/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "facenet/detect/tracker.h"
#include "facenet/infer/faces.h"

namespace facenet::infer {

struct LoadedNetwork;

/// One row per face, in frame order (largest first within a frame).
struct VideoFaces {
  torch::Tensor embeddings;          ///< (faces, D) float32
  std::vector<int64_t> frame;        ///< per face: the frame's index in the file
  std::vector<double> seconds;       ///< per face: the frame's timestamp
  std::vector<int64_t> index;        ///< per face: its index within the frame (largest first)
  std::vector<int64_t> track;        ///< per face: its track id (0, 1, ... in order of appearance)
  std::vector<detect::Face> faces;   ///< per face: box, score, landmarks
  int64_t frames = 0;                ///< frames processed (every Nth)
  int64_t decoded = 0;               ///< frames read from the file, skipped ones included
  int64_t without_face = 0;          ///< processed frames where the detector found nothing
  int64_t tracks = 0;
  bool truncated = false;            ///< the file ended at a frame that did not decode (logged)
  double fps = 0;                    ///< the file's (0 = unknown)
  int64_t frame_count = 0;           ///< what the file's header claims (0 = unknown)
  int width = 0, height = 0;
};

/// Reads `path` (frames 0, every, 2 * every, ...), detects with plan.detect (a plan with detector
/// none: each frame is one face), tracks, crops (plan.crop, at meta.input_size) and embeds in
/// batches of `batch_size` faces, logging "[tag] video 'path': n/N frames, F faces" with frames/s
/// and ETA. Throws what detect::VideoReader throws (a missing, unreadable or empty video; every < 1).
VideoFaces embed_video_faces(const LoadedNetwork& net, const std::string& path, const FacePlan& plan, int64_t every,
                             const detect::TrackerOptions& tracking, int64_t batch_size, const std::string& tag);

}  // namespace facenet::infer
