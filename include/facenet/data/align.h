#pragma once
// `facenet align`: detect the largest face in each image of a tree, crop it with a margin
// (davidsandberg's convention: margin/2 source pixels per side, clipped to the image) and
// write the same tree at size x size.
#include <cstdint>
#include <string>

namespace facenet::data {

enum class NoFaceAction { Skip, Center };
enum class DetectorKind { Haar, YuNet };

struct AlignOptions {
  std::string input;
  std::string output;
  int64_t size = 160;
  int64_t margin = 32;
  NoFaceAction no_face = NoFaceAction::Skip;
  DetectorKind detector = DetectorKind::Haar;
  std::string model;  ///< YuNet ONNX (detector yunet); Haar: "" = Debian's opencv-data cascade
  int64_t threads = 0;  ///< 0 = all cores
};

struct AlignStats {
  int64_t images = 0;
  int64_t faces = 0;         ///< written from a detection
  int64_t no_face = 0;       ///< without a detection (skipped or centre-cropped)
  int64_t centre_crops = 0;  ///< written by --no-face center
  int64_t unreadable = 0;
};

struct Box {
  int x = 0, y = 0, width = 0, height = 0;
};

/// The crop for a detection: margin/2 pixels added on each side, clipped to the image.
Box margin_box(const Box& face, int64_t margin, int image_width, int image_height);

/// The fallback crop: the centred square of side min(width, height).
Box centre_box(int image_width, int image_height);

/// Default Haar cascade path (Debian's opencv-data).
std::string default_haar_cascade();

/// Aligns every image under options.input (recursively, keeping relative paths and file
/// names) and records the crop rule in output/align.json ({"rule": "margin", "margin": M,
/// "detector": "haar"|"yunet", "size": S, "no_face": "skip"|"center"}: the data.crop to train
/// with). Logs a progress line with rate and ETA. Throws facenet::Error for a missing input
/// folder or detector model.
AlignStats align_dataset(const AlignOptions& options);

}  // namespace facenet::data
