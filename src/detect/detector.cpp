#include "facenet/detect/detector.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <opencv2/imgproc.hpp>
#include <opencv2/objdetect.hpp>

#include "facenet/core/error.h"
#include "facenet/detect/mtcnn.h"

namespace facenet::detect {

std::string default_haar_cascade() {
  return "/usr/share/opencv4/haarcascades/haarcascade_frontalface_default.xml";
}

FaceDetector parse_detector(const std::string& text, const std::string& key) {
  for (auto d : {FaceDetector::None, FaceDetector::Haar, FaceDetector::YuNet, FaceDetector::Mtcnn})
    if (to_string(d) == text) return d;
  throw ConfigError(key + ": expected mtcnn, haar, yunet or none (got '" + text + "')");
}

void apply_request(const DetectRequest& r, DetectOptions& o) {
  o.model = r.model;
  o.min_size = r.min_face;
  o.largest = r.largest;
  o.haar_fallback = r.haar_fallback;
  if (r.min_face < 0) throw ConfigError("--min-face: must be >= 0 (got " + std::to_string(r.min_face) + ")");
  for (float t : r.thresholds)
    if (!(t >= 0 && t <= 1)) throw ConfigError(fmt::format("--thresholds: each must lie in [0, 1] (got {:g})", t));
  if (r.thresholds.empty()) return;
  if (o.detector == FaceDetector::Mtcnn) {
    if (r.thresholds.size() != 3)
      throw ConfigError("--thresholds: mtcnn takes 3 values, for P-Net, R-Net and O-Net (got " +
                        std::to_string(r.thresholds.size()) + ")");
    std::copy(r.thresholds.begin(), r.thresholds.end(), o.thresholds.begin());
  } else if (o.detector == FaceDetector::YuNet) {
    if (r.thresholds.size() != 1)
      throw ConfigError("--thresholds: yunet takes 1 value, its score threshold (got " +
                        std::to_string(r.thresholds.size()) + ")");
    o.thresholds[2] = r.thresholds[0];
  } else {
    throw ConfigError("--thresholds: only mtcnn and yunet have thresholds (this is " + to_string(o.detector) + ")");
  }
}

namespace {

cv::CascadeClassifier load_haar(const std::string& model) {
  const auto path = model.empty() ? default_haar_cascade() : model;
  cv::CascadeClassifier haar;
  if (!haar.load(path))
    throw Error("cannot load the Haar cascade '" + path +
                "' (install Debian's opencv-data, or pass --detect-model cascade.xml)");
  return haar;
}

cv::Ptr<cv::FaceDetectorYN> load_yunet(const DetectOptions& o) {
  if (o.model.empty())
    throw Error("--detect yunet needs --detect-model face_detection_yunet.onnx (it is never downloaded; get it from "
                "the OpenCV model zoo)");
  if (!std::filesystem::is_regular_file(o.model))
    throw Error("YuNet model '" + o.model + "' (--detect-model) does not exist");
  cv::Ptr<cv::FaceDetectorYN> yunet;
  try {
    yunet = cv::FaceDetectorYN::create(o.model, "", cv::Size(320, 320), o.thresholds[2], 0.3f, 5000);
  } catch (const cv::Exception& e) {
    throw Error("cannot load the YuNet model '" + o.model + "': " + e.what());
  }
  if (!yunet) throw Error("cannot load the YuNet model '" + o.model + "'");
  return yunet;
}

std::vector<Face> haar_faces(cv::CascadeClassifier& haar, const cv::Mat& bgr, int min_size) {
  cv::Mat grey;
  if (bgr.channels() == 3) cv::cvtColor(bgr, grey, cv::COLOR_BGR2GRAY);
  else grey = bgr.clone();
  cv::equalizeHist(grey, grey);
  const int min_side = min_size > 0 ? min_size : std::max(20, std::min(bgr.cols, bgr.rows) / 10);
  std::vector<cv::Rect> boxes;
  std::vector<int> levels;
  std::vector<double> weights;
  haar.detectMultiScale(grey, boxes, levels, weights, 1.1, 4, 0, cv::Size(min_side, min_side), cv::Size(), true);
  std::vector<Face> faces;
  for (size_t i = 0; i < boxes.size(); ++i)
    faces.push_back(Face{cv::Rect2f(boxes[i]), i < weights.size() ? static_cast<float>(weights[i]) : 1.0f, false, {}});
  return faces;
}

std::vector<Face> yunet_faces(cv::FaceDetectorYN& yunet, const cv::Mat& bgr) {
  yunet.setInputSize(bgr.size());
  cv::Mat rows;
  yunet.detect(bgr, rows);
  std::vector<Face> faces;
  for (int i = 0; i < rows.rows; ++i) {
    Face f;
    const float* r = rows.ptr<float>(i);
    f.box = cv::Rect2f(cv::Rect(cvRound(r[0]), cvRound(r[1]), cvRound(r[2]), cvRound(r[3])) &
                       cv::Rect(0, 0, bgr.cols, bgr.rows));
    f.has_landmarks = true;
    for (int k = 0; k < 5; ++k) f.landmarks[k] = cv::Point2f(r[4 + 2 * k], r[5 + 2 * k]);
    f.score = r[14];
    if (f.box.area() > 0) faces.push_back(f);
  }
  return faces;
}

}  // namespace

struct FaceFinder::Impl {
  DetectOptions options;
  cv::CascadeClassifier haar;  // haar, and mtcnn's fallback
  cv::Ptr<cv::FaceDetectorYN> yunet;
  std::unique_ptr<Mtcnn> mtcnn;
  int64_t fallbacks = 0;

  /// The largest first; the largest only with options.largest.
  void order(std::vector<Face>& faces) const {
    std::stable_sort(faces.begin(), faces.end(),
                     [](const Face& a, const Face& b) { return a.box.area() > b.box.area(); });
    if (options.largest && faces.size() > 1) faces.resize(1);
  }
};

FaceFinder::FaceFinder(const DetectOptions& o) : impl_(std::make_unique<Impl>()) {
  impl_->options = o;
  switch (o.detector) {
    case FaceDetector::Haar:
      impl_->haar = load_haar(o.model);
      break;
    case FaceDetector::YuNet:
      impl_->yunet = load_yunet(o);
      break;
    case FaceDetector::Mtcnn: {
      MtcnnOptions m;
      m.min_face_size = o.min_size > 0 ? o.min_size : 20;
      m.thresholds = o.thresholds;
      m.factor = o.factor;
      m.weights_dir = o.model;
      impl_->mtcnn = std::make_unique<Mtcnn>(m);
      if (o.haar_fallback) impl_->haar = load_haar("");
      break;
    }
    case FaceDetector::None:
      break;
  }
}
FaceFinder::~FaceFinder() = default;
FaceFinder::FaceFinder(FaceFinder&&) noexcept = default;
FaceFinder& FaceFinder::operator=(FaceFinder&&) noexcept = default;
const DetectOptions& FaceFinder::options() const { return impl_->options; }
int64_t FaceFinder::fallbacks() const { return impl_->fallbacks; }

std::vector<std::vector<Face>> FaceFinder::detect(const std::vector<cv::Mat>& images) {
  const auto& o = impl_->options;
  std::vector<std::vector<Face>> out(images.size());
  if (o.detector == FaceDetector::Mtcnn) {
    std::vector<cv::Mat> present;
    std::vector<size_t> where;
    for (size_t i = 0; i < images.size(); ++i)
      if (!images[i].empty()) {
        present.push_back(images[i]);
        where.push_back(i);
      }
    auto found = impl_->mtcnn->detect(present);
    for (size_t k = 0; k < where.size(); ++k) {
      out[where[k]] = std::move(found[k]);
      if (out[where[k]].empty() && o.haar_fallback) {
        out[where[k]] = haar_faces(impl_->haar, present[k], 0);
        if (!out[where[k]].empty()) {
          ++impl_->fallbacks;
          spdlog::debug("[detect] mtcnn found no face; haar found {}", out[where[k]].size());
        }
      }
    }
  } else {
    for (size_t i = 0; i < images.size(); ++i) {
      const auto& bgr = images[i];
      if (bgr.empty()) continue;
      if (o.detector == FaceDetector::None) out[i].push_back(Face{cv::Rect2f(0, 0, bgr.cols, bgr.rows), 1.0f, false, {}});
      else if (o.detector == FaceDetector::Haar) out[i] = haar_faces(impl_->haar, bgr, o.min_size);
      else out[i] = yunet_faces(*impl_->yunet, bgr);
    }
  }
  for (auto& faces : out) impl_->order(faces);
  return out;
}

std::vector<Face> FaceFinder::detect(const cv::Mat& bgr) { return detect(std::vector<cv::Mat>{bgr}).front(); }

std::vector<Face> detect_faces(const cv::Mat& bgr, const DetectOptions& options) {
  return FaceFinder(options).detect(bgr);
}

}  // namespace facenet::detect
