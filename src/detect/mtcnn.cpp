#include "facenet/detect/mtcnn.h"

#include <torch/torch.h>

#include <algorithm>
#include <functional>
#include <numeric>
#include <opencv2/imgproc.hpp>

#include "facenet/core/error.h"
#include "area_resample.h"
#include "mtcnn_nets.h"
#include "nms.h"

namespace facenet::detect {
namespace {

using torch::indexing::Slice;

// `count` network inputs of side h x w, filled by `fill(i, data)` with area-resampled, normalised
// pixels (area_resample.h). Channels-last: oneDNN's convolutions run these small-channel networks
// about 3x faster than NCHW (the same sums in another order: float rounding differs, not results).
torch::Tensor network_input(int64_t count, int64_t h, int64_t w, const std::function<void(int64_t, float*)>& fill) {
  auto nhwc = torch::empty({count, h, w, 3});
  float* data = nhwc.data_ptr<float>();
  for (int64_t i = 0; i < count; ++i) fill(i, data + i * h * w * 3);
  return nhwc.permute({0, 3, 1, 2});  // NCHW sizes, channels-last strides
}

// Boxes (n, 4) after regression by reg (n, 4), with widths that count both end pixels.
torch::Tensor bbreg(torch::Tensor boxes, const torch::Tensor& reg) {
  const auto w = boxes.select(1, 2) - boxes.select(1, 0) + 1;
  const auto h = boxes.select(1, 3) - boxes.select(1, 1) + 1;
  const auto b1 = boxes.select(1, 0) + reg.select(1, 0) * w;
  const auto b2 = boxes.select(1, 1) + reg.select(1, 1) * h;
  const auto b3 = boxes.select(1, 2) + reg.select(1, 2) * w;
  const auto b4 = boxes.select(1, 3) + reg.select(1, 3) * h;
  boxes = boxes.clone();
  boxes.index_put_({Slice(), Slice(0, 4)}, torch::stack({b1, b2, b3, b4}).permute({1, 0}));
  return boxes;
}

// Squares each box about its centre (the longer side).
torch::Tensor rerec(torch::Tensor boxes) {
  boxes = boxes.clone();
  const auto h = boxes.select(1, 3) - boxes.select(1, 1);
  const auto w = boxes.select(1, 2) - boxes.select(1, 0);
  const auto l = torch::max(w, h);
  boxes.select(1, 0).copy_(boxes.select(1, 0) + w * 0.5 - l * 0.5);
  boxes.select(1, 1).copy_(boxes.select(1, 1) + h * 0.5 - l * 0.5);
  boxes.index_put_({Slice(), Slice(2, 4)}, boxes.index({Slice(), Slice(0, 2)}) + l.repeat({2, 1}).permute({1, 0}));
  return boxes;
}

// The crop of each box (truncated to whole pixels, clipped to the image: 1-based x, y, ex, ey),
// resampled to side x side and normalised. Boxes with an empty crop are dropped from `keep`.
torch::Tensor crops(const std::vector<cv::Mat>& rgb, const torch::Tensor& boxes, const torch::Tensor& image_inds,
                    int side, std::vector<int64_t>& keep) {
  const int64_t h = rgb[0].rows, w = rgb[0].cols;
  const auto b = boxes.index({Slice(), Slice(0, 4)}).trunc().to(torch::kInt).contiguous();
  const auto* p = b.data_ptr<int32_t>();
  const auto* img = image_inds.data_ptr<int64_t>();
  std::vector<cv::Rect> regions;
  keep.clear();
  for (int64_t k = 0; k < b.size(0); ++k) {
    const int64_t x = std::max<int64_t>(p[4 * k], 1), y = std::max<int64_t>(p[4 * k + 1], 1);
    const int64_t ex = std::min<int64_t>(p[4 * k + 2], w), ey = std::min<int64_t>(p[4 * k + 3], h);
    if (!(ey > y - 1 && ex > x - 1)) continue;
    regions.emplace_back(static_cast<int>(x - 1), static_cast<int>(y - 1), static_cast<int>(ex - x + 1),
                         static_cast<int>(ey - y + 1));
    keep.push_back(k);
  }
  return network_input(static_cast<int64_t>(keep.size()), side, side, [&](int64_t i, float* out) {
    area_resample_normalised(rgb[static_cast<size_t>(img[keep[static_cast<size_t>(i)]])], regions[static_cast<size_t>(i)],
                             side, side, out);
  });
}

// The rows whose face probability passes `threshold`, and their boxes as x1, y1, x2, y2, probability.
struct Passing {
  torch::Tensor rows, boxes;
};
Passing passing(const torch::Tensor& boxes, const torch::Tensor& prob, float threshold) {
  const auto score = prob.select(1, 1);
  const auto rows = (score > threshold).nonzero().select(1, 0);
  return {rows, torch::cat({boxes.index_select(0, rows).index({Slice(), Slice(0, 4)}),
                            score.index_select(0, rows).unsqueeze(1)}, 1)};
}

torch::Tensor take(const torch::Tensor& t, const std::vector<int64_t>& rows) {
  return t.index_select(0, torch::tensor(rows, torch::kLong));
}

/// The cascade over a batch of same-size 8-bit RGB images.
std::vector<std::vector<Face>> cascade(const Weights& pw, const Weights& rw, const Weights& ow,
                                       const MtcnnOptions& o, const std::vector<cv::Mat>& rgb) {
  const auto batch = static_cast<int64_t>(rgb.size());
  const int64_t h = rgb[0].rows, w = rgb[0].cols;
  std::vector<std::vector<Face>> result(static_cast<size_t>(batch));

  // Scale pyramid: the first level maps min_face_size to P-Net's 12 px window.
  const double m = 12.0 / o.min_face_size;
  double minl = static_cast<double>(std::min(h, w)) * m;
  std::vector<double> scales;
  for (double scale = m; minl >= 12; scale *= o.factor, minl *= o.factor) scales.push_back(scale);

  // Stage 1: P-Net over each level; NMS 0.5 within each (level, image).
  std::vector<torch::Tensor> level_boxes, level_inds;
  for (double scale : scales) {
    const auto hs = static_cast<int64_t>(h * scale + 1), ws = static_cast<int64_t>(w * scale + 1);
    const auto out = pnet(pw, network_input(batch, hs, ws, [&](int64_t i, float* data) {
      area_resample_normalised(rgb[static_cast<size_t>(i)], cv::Rect(0, 0, static_cast<int>(w), static_cast<int>(h)),
                               static_cast<int>(hs), static_cast<int>(ws), data);
    }));
    const auto probs = out.prob.select(1, 1);  // (N, H', W')
    const auto mask = probs >= o.thresholds[0];
    const auto idx = mask.nonzero();  // (n, 3): image, y, x in row-major order
    if (idx.size(0) == 0) continue;
    const auto score = probs.index({mask});
    const auto reg = out.reg.permute({1, 0, 2, 3}).index({Slice(), mask}).permute({1, 0});
    const auto bb = idx.index({Slice(), Slice(1, 3)}).to(torch::kFloat).flip(1);  // x, y
    const auto q1 = ((bb * 2 + 1) / scale).floor();
    const auto q2 = ((bb * 2 + 12) / scale).floor();
    auto boxes = torch::cat({q1, q2, score.unsqueeze(1), reg}, 1);
    const auto inds = idx.select(1, 0).contiguous();
    const auto pick = batched_nms(boxes.index({Slice(), Slice(0, 4)}), boxes.select(1, 4), inds, 0.5);
    level_boxes.push_back(take(boxes, pick));
    level_inds.push_back(take(inds, pick));
  }
  if (level_boxes.empty()) return result;
  auto boxes = torch::cat(level_boxes).contiguous();
  auto image_inds = torch::cat(level_inds).contiguous();

  // NMS 0.7 across the levels of each image, then P-Net's regression (widths without the +1).
  auto pick = batched_nms(boxes.index({Slice(), Slice(0, 4)}), boxes.select(1, 4), image_inds, 0.7);
  boxes = take(boxes, pick);
  image_inds = take(image_inds, pick);
  {
    const auto regw = boxes.select(1, 2) - boxes.select(1, 0);
    const auto regh = boxes.select(1, 3) - boxes.select(1, 1);
    const auto qq1 = boxes.select(1, 0) + boxes.select(1, 5) * regw;
    const auto qq2 = boxes.select(1, 1) + boxes.select(1, 6) * regh;
    const auto qq3 = boxes.select(1, 2) + boxes.select(1, 7) * regw;
    const auto qq4 = boxes.select(1, 3) + boxes.select(1, 8) * regh;
    boxes = rerec(torch::stack({qq1, qq2, qq3, qq4, boxes.select(1, 4)}).permute({1, 0}).contiguous());
  }

  // Stage 2: R-Net on 24x24 crops; threshold, NMS 0.7, regression, squaring.
  std::vector<int64_t> kept;
  auto input = crops(rgb, boxes, image_inds, 24, kept);
  if (kept.empty()) return result;
  boxes = take(boxes, kept);
  image_inds = take(image_inds, kept);
  {
    const auto out = rnet(rw, input);
    const auto pass = passing(boxes, out.prob, o.thresholds[1]);
    boxes = pass.boxes;
    image_inds = image_inds.index_select(0, pass.rows).contiguous();
    auto mv = out.reg.index_select(0, pass.rows);
    if (boxes.size(0) == 0) return result;
    pick = batched_nms(boxes.index({Slice(), Slice(0, 4)}), boxes.select(1, 4), image_inds, 0.7);
    boxes = take(boxes, pick);
    image_inds = take(image_inds, pick);
    mv = take(mv, pick);
    boxes = rerec(bbreg(boxes, mv)).contiguous();
  }

  // Stage 3: O-Net on 48x48 crops; threshold, landmarks, regression, NMS 0.7 (Min overlap).
  input = crops(rgb, boxes, image_inds, 48, kept);
  if (kept.empty()) return result;
  boxes = take(boxes, kept);
  image_inds = take(image_inds, kept);
  const auto out = onet(ow, input);
  const auto pass = passing(boxes, out.prob, o.thresholds[2]);
  boxes = pass.boxes;
  image_inds = image_inds.index_select(0, pass.rows).contiguous();
  const auto mv = out.reg.index_select(0, pass.rows);
  const auto pts = out.points.index_select(0, pass.rows);  // (n, 10): 5 x then 5 y, relative to the box
  if (boxes.size(0) == 0) return result;
  const auto wi = (boxes.select(1, 2) - boxes.select(1, 0) + 1).unsqueeze(1);
  const auto hi = (boxes.select(1, 3) - boxes.select(1, 1) + 1).unsqueeze(1);
  const auto px = (wi * pts.index({Slice(), Slice(0, 5)}) + boxes.select(1, 0).unsqueeze(1) - 1).contiguous();
  const auto py = (hi * pts.index({Slice(), Slice(5, 10)}) + boxes.select(1, 1).unsqueeze(1) - 1).contiguous();
  boxes = bbreg(boxes, mv).contiguous();
  const auto final_pick = batched_nms_min(boxes.index({Slice(), Slice(0, 4)}).contiguous(), boxes.select(1, 4).contiguous(),
                                          image_inds, 0.7);

  const auto* b = boxes.data_ptr<float>();
  const auto* x = px.data_ptr<float>();
  const auto* y = py.data_ptr<float>();
  const auto* img = image_inds.data_ptr<int64_t>();
  for (int64_t k : final_pick) {
    Face f;
    const float* r = b + 5 * k;
    f.box = cv::Rect2f(r[0], r[1], r[2] - r[0], r[3] - r[1]);
    f.score = r[4];
    f.has_landmarks = true;
    for (int i = 0; i < 5; ++i) f.landmarks[i] = cv::Point2f(x[5 * k + i], y[5 * k + i]);
    result[static_cast<size_t>(img[k])].push_back(f);
  }
  return result;
}

/// An 8-bit image of 1, 3 (BGR) or 4 (BGRA) channels as RGB (the networks were trained on RGB).
cv::Mat to_rgb(const cv::Mat& image) {
  if (image.depth() != CV_8U)
    throw Error("MTCNN: expected an 8-bit image (got depth " + std::to_string(image.depth()) + ")");
  cv::Mat rgb;
  switch (image.channels()) {
    case 1: cv::cvtColor(image, rgb, cv::COLOR_GRAY2RGB); break;
    case 3: cv::cvtColor(image, rgb, cv::COLOR_BGR2RGB); break;
    case 4: cv::cvtColor(image, rgb, cv::COLOR_BGRA2RGB); break;
    default: throw Error("MTCNN: expected 1, 3 or 4 channels (got " + std::to_string(image.channels()) + ")");
  }
  return rgb;
}

}  // namespace

struct Mtcnn::Impl {
  MtcnnOptions options;
  Weights pnet, rnet, onet;
};

Mtcnn::Mtcnn(const MtcnnOptions& options) : impl_(std::make_unique<Impl>()) {
  auto& o = impl_->options = options;
  if (o.weights_dir.empty()) o.weights_dir = default_mtcnn_dir();
  if (o.min_face_size < 1) throw ConfigError("mtcnn: min_face_size must be >= 1 (got " + std::to_string(o.min_face_size) + ")");
  if (!(o.factor > 0 && o.factor < 1)) throw ConfigError("mtcnn: factor must lie in (0, 1)");
  for (float t : o.thresholds)
    if (!(t >= 0 && t <= 1)) throw ConfigError("mtcnn: thresholds must lie in [0, 1] (got " + std::to_string(t) + ")");
  impl_->pnet = load_weights(o.weights_dir, "pnet");
  impl_->rnet = load_weights(o.weights_dir, "rnet");
  impl_->onet = load_weights(o.weights_dir, "onet");
}
Mtcnn::~Mtcnn() = default;
Mtcnn::Mtcnn(Mtcnn&&) noexcept = default;
Mtcnn& Mtcnn::operator=(Mtcnn&&) noexcept = default;
const MtcnnOptions& Mtcnn::options() const { return impl_->options; }

std::vector<std::vector<Face>> Mtcnn::detect(const std::vector<cv::Mat>& images) const {
  torch::NoGradGuard no_grad;
  std::vector<std::vector<Face>> out(images.size());
  // Images of one size form one batch, in order of first appearance.
  std::vector<std::pair<cv::Size, std::vector<size_t>>> groups;
  for (size_t i = 0; i < images.size(); ++i) {
    if (images[i].empty()) continue;
    auto it = std::find_if(groups.begin(), groups.end(), [&](const auto& g) { return g.first == images[i].size(); });
    if (it == groups.end()) groups.push_back({images[i].size(), {i}});
    else it->second.push_back(i);
  }
  for (const auto& [size, members] : groups) {
    std::vector<cv::Mat> batch;
    for (size_t i : members) batch.push_back(to_rgb(images[i]));
    const auto found = cascade(impl_->pnet, impl_->rnet, impl_->onet, impl_->options, batch);
    for (size_t k = 0; k < members.size(); ++k) out[members[k]] = found[k];
  }
  return out;
}

std::vector<Face> Mtcnn::detect(const cv::Mat& image) const { return detect(std::vector<cv::Mat>{image}).front(); }

}  // namespace facenet::detect
