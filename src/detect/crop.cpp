#include "facenet/detect/crop.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include <opencv2/imgproc.hpp>

#include "facenet/core/error.h"

namespace facenet::detect {

Box margin_box(const cv::Rect2f& face, int64_t margin, int w, int h) {
  // align_dataset_mtcnn.py: bb = [max(x1 - margin/2, 0), ..., min(x2 + margin/2, w)] stored as int32.
  const double half = static_cast<double>(margin) / 2;
  const int x0 = static_cast<int>(std::max<double>(face.x - half, 0));
  const int y0 = static_cast<int>(std::max<double>(face.y - half, 0));
  const int x1 = static_cast<int>(std::min<double>(static_cast<double>(face.x) + face.width + half, w));
  const int y1 = static_cast<int>(std::min<double>(static_cast<double>(face.y) + face.height + half, h));
  return {x0, y0, std::max(0, x1 - x0), std::max(0, y1 - y0)};
}

Box facenet_pytorch_box(const cv::Rect2f& face, int64_t margin, int size, int w, int h) {
  if (margin >= size) throw Error("crop: the facenet_pytorch margin must be smaller than the input size");
  const double mx = static_cast<double>(margin) * face.width / static_cast<double>(size - margin);
  const double my = static_cast<double>(margin) * face.height / static_cast<double>(size - margin);
  const double x2 = static_cast<double>(face.x) + face.width, y2 = static_cast<double>(face.y) + face.height;
  // Python's int() truncates toward zero.
  const int x0 = static_cast<int>(std::max<double>(face.x - mx / 2, 0));
  const int y0 = static_cast<int>(std::max<double>(face.y - my / 2, 0));
  const int x1 = static_cast<int>(std::min<double>(x2 + mx / 2, w));
  const int y1 = static_cast<int>(std::min<double>(y2 + my / 2, h));
  return {x0, y0, std::max(0, x1 - x0), std::max(0, y1 - y0)};
}

Box centre_box(int w, int h) {
  const int side = std::min(w, h);
  return {(w - side) / 2, (h - side) / 2, side, side};
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

namespace {

// Pillow's fixed-point resampling (libImaging/Resample.c): coefficients scaled by 2^22.
constexpr int kPrecisionBits = 32 - 8 - 2;

struct Coefficients {
  int ksize = 0;
  std::vector<int> first, count;  // per output pixel: the first input pixel and how many
  std::vector<int> weights;       // out_size x ksize
};

Coefficients bilinear_coefficients(int in_size, int out_size) {
  const double scale = static_cast<double>(in_size) / out_size;
  const double filterscale = std::max(scale, 1.0);
  const double support = 1.0 * filterscale;  // the bilinear (triangle) filter's support is 1
  Coefficients c;
  c.ksize = static_cast<int>(std::ceil(support)) * 2 + 1;
  c.first.resize(out_size);
  c.count.resize(out_size);
  c.weights.assign(static_cast<size_t>(out_size) * c.ksize, 0);
  std::vector<double> k(c.ksize);
  for (int xx = 0; xx < out_size; ++xx) {
    const double center = (xx + 0.5) * scale;
    const double ss = 1.0 / filterscale;
    const int xmin = std::max(static_cast<int>(center - support + 0.5), 0);
    const int xmax = std::min(static_cast<int>(center + support + 0.5), in_size) - xmin;
    double ww = 0;
    for (int x = 0; x < xmax; ++x) {
      const double t = std::abs((x + xmin - center + 0.5) * ss);
      k[x] = t < 1.0 ? 1.0 - t : 0.0;
      ww += k[x];
    }
    for (int x = 0; x < xmax; ++x) {
      const double v = ww != 0.0 ? k[x] / ww : k[x];
      c.weights[static_cast<size_t>(xx) * c.ksize + x] =
          static_cast<int>(v < 0 ? -0.5 + v * (1 << kPrecisionBits) : 0.5 + v * (1 << kPrecisionBits));
    }
    c.first[xx] = xmin;
    c.count[xx] = xmax;
  }
  return c;
}

uint8_t clip8(int v) { return static_cast<uint8_t>(std::clamp(v >> kPrecisionBits, 0, 255)); }

}  // namespace

cv::Mat pil_bilinear_resize(const cv::Mat& image, cv::Size size) {
  if (image.empty() || image.depth() != CV_8U) throw Error("pil_bilinear_resize: expected a non-empty 8-bit image");
  const int channels = image.channels();
  const auto h = bilinear_coefficients(image.cols, size.width);
  const auto v = bilinear_coefficients(image.rows, size.height);
  // Horizontal pass over the rows the vertical pass reads, then the vertical pass (Pillow skips a
  // pass whose size does not change).
  cv::Mat wide = image;
  int row0 = 0;
  if (size.width != image.cols) {
    row0 = size.height != image.rows ? v.first.front() : 0;
    const int row1 = size.height != image.rows ? v.first.back() + v.count.back() : image.rows;
    wide.create(row1 - row0, size.width, image.type());
    for (int y = 0; y < wide.rows; ++y) {
      const uint8_t* in = image.ptr<uint8_t>(y + row0);
      uint8_t* out = wide.ptr<uint8_t>(y);
      for (int xx = 0; xx < size.width; ++xx) {
        const int* k = &h.weights[static_cast<size_t>(xx) * h.ksize];
        for (int c = 0; c < channels; ++c) {
          int ss = 1 << (kPrecisionBits - 1);
          for (int x = 0; x < h.count[xx]; ++x) ss += in[(x + h.first[xx]) * channels + c] * k[x];
          out[xx * channels + c] = clip8(ss);
        }
      }
    }
  }
  if (size.height == image.rows) return wide.data == image.data ? image.clone() : wide;
  cv::Mat out(size, image.type());
  for (int yy = 0; yy < size.height; ++yy) {
    const int* k = &v.weights[static_cast<size_t>(yy) * v.ksize];
    uint8_t* o = out.ptr<uint8_t>(yy);
    for (int x = 0; x < size.width * channels; ++x) {
      int ss = 1 << (kPrecisionBits - 1);
      for (int y = 0; y < v.count[yy]; ++y) ss += wide.ptr<uint8_t>(v.first[yy] - row0 + y)[x] * k[y];
      o[x] = clip8(ss);
    }
  }
  return out;
}

Box crop_box(const cv::Mat& bgr, const Face& face, const CropConfig& crop, int size) {
  switch (crop.rule) {
    case CropRule::Margin:
      return margin_box(face.box, crop.margin, bgr.cols, bgr.rows);
    case CropRule::FacenetPytorch:
      return facenet_pytorch_box(face.box, crop.margin, size, bgr.cols, bgr.rows);
    case CropRule::FivePoint:
      if (!face.has_landmarks) return margin_box(face.box, crop.margin, bgr.cols, bgr.rows);
      break;
    case CropRule::None:
      break;
  }
  const cv::Rect r = cv::Rect(face.box) & cv::Rect(0, 0, bgr.cols, bgr.rows);
  return {r.x, r.y, r.width, r.height};
}

cv::Mat crop_face(const cv::Mat& bgr, const Face& face, const CropConfig& crop, int size) {
  if (bgr.empty()) throw Error("crop_face: empty image");
  cv::Mat out;
  if (crop.rule == CropRule::FivePoint && face.has_landmarks) {
    cv::warpAffine(bgr, out, similarity_transform(face.landmarks, template_landmarks(size)), cv::Size(size, size),
                   cv::INTER_LINEAR, cv::BORDER_CONSTANT, cv::Scalar(0, 0, 0));
    return out;
  }
  const Box b = crop_box(bgr, face, crop, size);
  if (b.width <= 0 || b.height <= 0) throw Error("crop_face: the face box lies outside the image");
  const cv::Mat source = bgr(cv::Rect(b.x, b.y, b.width, b.height));
  if (crop.rule == CropRule::FacenetPytorch) return pil_bilinear_resize(source, cv::Size(size, size));
  cv::resize(source, out, cv::Size(size, size), 0, 0, cv::INTER_LINEAR);
  return out;
}

}  // namespace facenet::detect
