#pragma once
// `facenet detect`: the faces of photos (box, probability, five landmarks) as CSV and JSON, and
// optionally each photo drawn with its boxes.
#include <cstdint>
#include <string>
#include <vector>

#include "facenet/tasks/detect_args.h"

namespace facenet::tasks {

struct DetectFacesOptions {
  std::vector<std::string> inputs;  ///< folders (recursive) and/or image files
  std::string out;                  ///< faces.csv (and faces.json beside it)
  std::string draw;                 ///< a folder: each photo as PNG with its boxes and landmarks ("" = none)
  bool blank = false;               ///< draw on an empty canvas of the photo's size, without its pixels
  int64_t batch_size = 8;           ///< photos per MTCNN call (photos of one size run as one batch)
  DetectArgs detect;                ///< detector "" = mtcnn
};

struct DetectFacesSummary {
  int64_t photos = 0, faces = 0, without_face = 0, unreadable = 0;
  int64_t haar_fallbacks = 0;  ///< photos whose faces came from the Haar fallback
  double seconds = 0;          ///< detection time (decoding excluded)
  std::string detector;
};

/// Detects every face. CSV: path, face (largest first), x, y, width, height, score, then
/// x, y of the five landmarks (empty without them); JSON: the same per photo. Photos without a
/// face, or unreadable, are logged and counted.
DetectFacesSummary run_detect_faces(const DetectFacesOptions& options);

}  // namespace facenet::tasks
