#pragma once
// Face detection and the crop rules that turn a detected face into a network input.
//
// Detectors: `haar` (OpenCV's frontal-face cascade, Debian's opencv-data by default), `yunet`
// (cv::FaceDetectorYN with a user-supplied ONNX model; never downloaded) and `none` (the whole
// image is one face). Crop rules (CropConfig in core/config.h): `margin` (davidsandberg's
// align: box grown by margin/2 pixels per side, clipped, resized) and `5point` (insightface's
// norm_crop: similarity transform of the 5 landmarks onto the 112x112 ArcFace template, scaled to
// the network input).
#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "facenet/core/config.h"

namespace facenet::data {

/// Landmark order as YuNet gives it: right eye, left eye, nose tip, right mouth corner, left mouth
/// corner ("right" = the person's right = the image's left, as in the insightface template).
using Landmarks = std::array<cv::Point2f, 5>;

struct Face {
  cv::Rect box;                ///< x, y, width, height in image pixels
  /// haar: the cascade's level weight (detectMultiScale3 levelWeights: the last stage's sum, higher
  /// = more confident, not a probability, typically 0..10); yunet: its score in [0, 1]; none: 1.
  float score = 1;
  bool has_landmarks = false;  ///< yunet only
  Landmarks landmarks{};
};

struct DetectOptions {
  FaceDetector detector = FaceDetector::Haar;
  std::string model;             ///< yunet: the ONNX file (required); haar: "" = default_haar_cascade()
  float score_threshold = 0.7f;  ///< yunet: minimum score
  int min_size = 0;              ///< haar: smallest face side in pixels (0 = max(20, min(w, h) / 10))
  bool largest = false;          ///< keep only the largest face
};

/// A loaded detector; not thread-safe (one per thread). Throws facenet::Error for a missing or
/// unloadable model ("--detect-model").
class FaceFinder {
 public:
  explicit FaceFinder(const DetectOptions& options);
  ~FaceFinder();
  FaceFinder(FaceFinder&&) noexcept;
  FaceFinder& operator=(FaceFinder&&) noexcept;
  /// Every face in an 8-bit BGR image, largest first (the largest only with options.largest).
  std::vector<Face> detect(const cv::Mat& bgr);
  const DetectOptions& options() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// One-shot detection (loads the detector each call).
std::vector<Face> detect_faces(const cv::Mat& bgr, const DetectOptions& options);

/// insightface's ArcFace template (5 points on 112x112) for a square input of side `size`:
/// multiples of 112 are scaled by size/112; other sizes by size/128 with x shifted by 8*size/128
/// (insightface's estimate_norm rule).
Landmarks template_landmarks(int size);

/// The 2x3 similarity (rotation, uniform scale, translation) mapping `from` onto `to` in the least
/// squares sense (Umeyama, exact closed form).
cv::Mat similarity_transform(const Landmarks& from, const Landmarks& to);

/// The network input (size x size, BGR) for `face` under `crop`: rule margin (or a face without
/// landmarks under 5point) = margin crop resized; 5point = warp onto template_landmarks(size);
/// none = the whole image resized.
cv::Mat crop_face(const cv::Mat& bgr, const Face& face, const CropConfig& crop, int size);

}  // namespace facenet::data
