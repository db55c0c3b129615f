#include "facenet/data/detect.h"

#include <algorithm>
#include <filesystem>
#include <opencv2/imgproc.hpp>
#include <opencv2/objdetect.hpp>

#include "facenet/core/error.h"
#include "facenet/data/align.h"

namespace facenet::data {

struct FaceFinder::Impl {
  DetectOptions options;
  cv::CascadeClassifier haar;
  cv::Ptr<cv::FaceDetectorYN> yunet;
};

FaceFinder::FaceFinder(const DetectOptions& o) : impl_(std::make_unique<Impl>()) {
  impl_->options = o;
  if (o.detector == FaceDetector::Haar) {
    const auto path = o.model.empty() ? default_haar_cascade() : o.model;
    if (!impl_->haar.load(path))
      throw Error("cannot load the Haar cascade '" + path +
                  "' (install Debian's opencv-data, or pass --detect-model cascade.xml)");
  } else if (o.detector == FaceDetector::YuNet) {
    if (o.model.empty())
      throw Error("--detect yunet needs --detect-model face_detection_yunet.onnx (it is never downloaded; get it from "
                  "the OpenCV model zoo)");
    if (!std::filesystem::is_regular_file(o.model))
      throw Error("YuNet model '" + o.model + "' (--detect-model) does not exist");
    try {
      impl_->yunet = cv::FaceDetectorYN::create(o.model, "", cv::Size(320, 320), o.score_threshold, 0.3f, 5000);
    } catch (const cv::Exception& e) {
      throw Error("cannot load the YuNet model '" + o.model + "': " + e.what());
    }
    if (!impl_->yunet) throw Error("cannot load the YuNet model '" + o.model + "'");
  }
}
FaceFinder::~FaceFinder() = default;
FaceFinder::FaceFinder(FaceFinder&&) noexcept = default;
FaceFinder& FaceFinder::operator=(FaceFinder&&) noexcept = default;
const DetectOptions& FaceFinder::options() const { return impl_->options; }

std::vector<Face> FaceFinder::detect(const cv::Mat& bgr) {
  if (bgr.empty()) return {};
  const auto& o = impl_->options;
  std::vector<Face> faces;
  if (o.detector == FaceDetector::None) {
    faces.push_back(Face{cv::Rect(0, 0, bgr.cols, bgr.rows), 1.0f, false, {}});
  } else if (o.detector == FaceDetector::Haar) {
    cv::Mat grey;
    if (bgr.channels() == 3) cv::cvtColor(bgr, grey, cv::COLOR_BGR2GRAY);
    else grey = bgr.clone();
    cv::equalizeHist(grey, grey);
    const int min_side = o.min_size > 0 ? o.min_size : std::max(20, std::min(bgr.cols, bgr.rows) / 10);
    std::vector<cv::Rect> boxes;
    std::vector<int> levels;
    std::vector<double> weights;
    impl_->haar.detectMultiScale(grey, boxes, levels, weights, 1.1, 4, 0, cv::Size(min_side, min_side), cv::Size(),
                                 true);
    for (size_t i = 0; i < boxes.size(); ++i)
      faces.push_back(Face{boxes[i], i < weights.size() ? static_cast<float>(weights[i]) : 1.0f, false, {}});
  } else {
    impl_->yunet->setInputSize(bgr.size());
    cv::Mat rows;
    impl_->yunet->detect(bgr, rows);
    for (int i = 0; i < rows.rows; ++i) {
      Face f;
      const float* r = rows.ptr<float>(i);
      f.box = cv::Rect(cvRound(r[0]), cvRound(r[1]), cvRound(r[2]), cvRound(r[3])) & cv::Rect(0, 0, bgr.cols, bgr.rows);
      f.has_landmarks = true;
      for (int k = 0; k < 5; ++k) f.landmarks[k] = cv::Point2f(r[4 + 2 * k], r[5 + 2 * k]);
      f.score = r[14];
      if (f.box.area() > 0) faces.push_back(f);
    }
  }
  std::stable_sort(faces.begin(), faces.end(), [](const Face& a, const Face& b) { return a.box.area() > b.box.area(); });
  if (o.largest && faces.size() > 1) faces.resize(1);
  return faces;
}

std::vector<Face> detect_faces(const cv::Mat& bgr, const DetectOptions& options) {
  return FaceFinder(options).detect(bgr);
}

Landmarks template_landmarks(int size) {
  // insightface's arcface_src (face_align.py) on the 112x112 canvas.
  static const Landmarks arcface{cv::Point2f(38.2946f, 51.6963f), cv::Point2f(73.5318f, 51.5014f),
                                 cv::Point2f(56.0252f, 71.7366f), cv::Point2f(41.5493f, 92.3655f),
                                 cv::Point2f(70.7299f, 92.2041f)};
  float ratio = 1, dx = 0;
  if (size % 112 == 0) {
    ratio = size / 112.0f;
  } else {
    ratio = size / 128.0f;
    dx = 8.0f * ratio;
  }
  Landmarks out;
  for (int k = 0; k < 5; ++k) out[k] = cv::Point2f(arcface[k].x * ratio + dx, arcface[k].y * ratio);
  return out;
}

cv::Mat similarity_transform(const Landmarks& from, const Landmarks& to) {
  // Umeyama (1991): least-squares rotation R, scale c and translation t with to ~ c R from + t.
  const int n = 5;
  cv::Point2d mf(0, 0), mt(0, 0);
  for (int i = 0; i < n; ++i) {
    mf += cv::Point2d(from[i]);
    mt += cv::Point2d(to[i]);
  }
  mf *= 1.0 / n;
  mt *= 1.0 / n;
  cv::Matx22d sigma = cv::Matx22d::zeros();
  double var = 0;
  for (int i = 0; i < n; ++i) {
    const cv::Point2d a = cv::Point2d(from[i]) - mf, b = cv::Point2d(to[i]) - mt;
    sigma(0, 0) += b.x * a.x;
    sigma(0, 1) += b.x * a.y;
    sigma(1, 0) += b.y * a.x;
    sigma(1, 1) += b.y * a.y;
    var += a.dot(a);
  }
  sigma *= 1.0 / n;
  var /= n;
  if (var <= 0) throw Error("similarity_transform: the source landmarks coincide");
  cv::Mat w, u, vt;
  cv::SVD::compute(cv::Mat(sigma), w, u, vt);
  cv::Matx22d S = cv::Matx22d::eye();
  if (cv::determinant(u) * cv::determinant(vt) < 0) S(1, 1) = -1;
  const cv::Matx22d U(u), Vt(vt);
  const cv::Matx22d R = U * S * Vt;
  const double c = (w.at<double>(0) * S(0, 0) + w.at<double>(1) * S(1, 1)) / var;
  const cv::Vec2d t = cv::Vec2d(mt.x, mt.y) - c * (R * cv::Vec2d(mf.x, mf.y));
  cv::Mat m(2, 3, CV_64F);
  for (int r = 0; r < 2; ++r) {
    m.at<double>(r, 0) = c * R(r, 0);
    m.at<double>(r, 1) = c * R(r, 1);
    m.at<double>(r, 2) = t[r];
  }
  return m;
}

cv::Mat crop_face(const cv::Mat& bgr, const Face& face, const CropConfig& crop, int size) {
  if (bgr.empty()) throw Error("crop_face: empty image");
  cv::Mat out;
  if (crop.rule == CropRule::FivePoint && face.has_landmarks) {
    cv::warpAffine(bgr, out, similarity_transform(face.landmarks, template_landmarks(size)), cv::Size(size, size),
                   cv::INTER_LINEAR, cv::BORDER_CONSTANT, cv::Scalar(0, 0, 0));
    return out;
  }
  cv::Rect r(0, 0, bgr.cols, bgr.rows);
  if (crop.rule != CropRule::None) {
    const Box b = margin_box({face.box.x, face.box.y, face.box.width, face.box.height}, crop.margin, bgr.cols, bgr.rows);
    r = cv::Rect(b.x, b.y, b.width, b.height);
  } else {
    r &= face.box;  // detector none: the whole image; otherwise the bare box
  }
  if (r.area() <= 0) throw Error("crop_face: the face box lies outside the image");
  cv::resize(bgr(r), out, cv::Size(size, size), 0, 0, cv::INTER_LINEAR);
  return out;
}

}  // namespace facenet::data
