#pragma once
// `facenet align`: detect the largest face in each image of a tree, crop it by a crop rule
// (davidsandberg's align_dataset_mtcnn by default: margin/2 source pixels per side, clipped to
// the image) and write the same tree at size x size.
#include <cstdint>
#include <string>

#include "facenet/core/config.h"
#include "facenet/detect/detector.h"

namespace facenet::detect {

enum class NoFaceAction { Skip, Center };

struct AlignOptions {
  std::string input;
  std::string output;
  int64_t size = 160;
  int64_t margin = 32;
  CropRule rule = CropRule::Margin;  ///< margin (davidsandberg) | facenet_pytorch | 5point
  NoFaceAction no_face = NoFaceAction::Skip;
  DetectOptions detect;  ///< mtcnn by default; `largest` is implied
  int64_t threads = 0;   ///< 0 = all cores
};

struct AlignStats {
  int64_t images = 0;
  int64_t faces = 0;         ///< written from a detection
  int64_t no_face = 0;       ///< without a detection (skipped or centre-cropped)
  int64_t centre_crops = 0;  ///< written by --no-face center
  int64_t unreadable = 0;
};

/// Aligns every image under options.input (recursively, keeping relative paths and file
/// names) and records the crop rule in output/align.json ({"rule": ..., "margin": M,
/// "detector": ..., "size": S, "no_face": "skip"|"center"}: the data.crop to train with). Logs a
/// progress line with rate and ETA. Throws facenet::Error for a missing input folder or detector
/// model.
AlignStats align_dataset(const AlignOptions& options);

}  // namespace facenet::detect
