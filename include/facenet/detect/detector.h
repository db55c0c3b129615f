#pragma once
// Finding faces in a photo with one of the detectors:
// - `mtcnn`: the MTCNN cascade (detect/mtcnn.h) with the weights shipped in models/mtcnn/;
//   the default wherever a face must be found;
// - `haar`: OpenCV's frontal-face cascade (Debian's opencv-data), and MTCNN's fallback on a
//   photo where it finds nothing;
// - `yunet`: cv::FaceDetectorYN with a user-supplied ONNX model (never downloaded);
// - `none`: the whole image is one face.
#include <array>
#include <memory>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "facenet/core/config.h"
#include "facenet/detect/face.h"

namespace facenet::detect {

struct DetectOptions {
  FaceDetector detector = FaceDetector::Mtcnn;
  std::string model;  ///< yunet: the ONNX file (required); haar: a cascade ("" = Debian's); mtcnn: the weights folder ("" = shipped)
  /// Smallest face side in pixels. mtcnn: the pyramid's min_face_size (0 = 20, facenet-pytorch's);
  /// haar: the cascade's minSize (0 = max(20, min(w, h) / 10)); yunet: unused.
  int min_size = 0;
  /// mtcnn: P-Net, R-Net and O-Net's face-probability thresholds (facenet-pytorch's defaults);
  /// yunet: thresholds[2] is the score threshold.
  std::array<float, 3> thresholds{0.6f, 0.7f, 0.7f};
  float factor = 0.709f;  ///< mtcnn: the pyramid's scale step
  bool largest = false;   ///< keep only the largest face
  /// mtcnn: run Haar on a photo where MTCNN found no face (logged).
  bool haar_fallback = true;
};

/// What a user asked for: --detect, --detect-model, --min-face, --thresholds, --largest,
/// --no-haar-fallback. Resolved against a model's crop metadata by infer::face_plan.
struct DetectRequest {
  std::string detector;          ///< "" = the model's (none for models trained on crops); mtcnn | haar | yunet | none
  std::string model;             ///< YuNet ONNX, another Haar cascade, or a folder of MTCNN weights
  int min_face = 0;              ///< 0 = the detector's default
  std::vector<float> thresholds;  ///< empty = the detector's defaults; mtcnn: 3 values, yunet: 1
  bool largest = false;          ///< one face (the largest) per photo
  bool haar_fallback = true;     ///< mtcnn: Haar on a photo where MTCNN finds nothing
};

/// `request` applied to `options` (min_size, thresholds, largest, the fallback, the model);
/// throws ConfigError for a wrong number of thresholds or one outside [0, 1].
void apply_request(const DetectRequest& request, DetectOptions& options);

/// A loaded detector; not thread-safe (one per thread). Throws facenet::Error for a missing or
/// unloadable model, naming the file it expected.
class FaceFinder {
 public:
  explicit FaceFinder(const DetectOptions& options);
  ~FaceFinder();
  FaceFinder(FaceFinder&&) noexcept;
  FaceFinder& operator=(FaceFinder&&) noexcept;
  /// Every face in an 8-bit BGR image, largest first (the largest only with options.largest).
  std::vector<Face> detect(const cv::Mat& bgr);
  /// detect() over several images; MTCNN runs images of one size as one batch.
  std::vector<std::vector<Face>> detect(const std::vector<cv::Mat>& bgr);
  const DetectOptions& options() const;
  /// How many photos got their faces from the Haar fallback so far.
  int64_t fallbacks() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// One-shot detection (loads the detector each call).
std::vector<Face> detect_faces(const cv::Mat& bgr, const DetectOptions& options);

/// Debian's frontal-face Haar cascade (opencv-data).
std::string default_haar_cascade();

/// `none`, `haar`, `yunet` or `mtcnn`; throws ConfigError naming `key` otherwise.
FaceDetector parse_detector(const std::string& text, const std::string& key = "--detect");

}  // namespace facenet::detect
