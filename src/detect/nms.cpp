#include "nms.h"

#include <torch/torch.h>

#include <algorithm>
#include <map>
#include <numeric>

namespace facenet::detect {
namespace {

// torchvision's nms kernel over float boxes (n, 4): rows kept, most probable first.
std::vector<int64_t> nms(const torch::Tensor& boxes_in, const torch::Tensor& scores_in, double iou) {
  const auto boxes = boxes_in.to(torch::kFloat).contiguous();
  const auto scores = scores_in.to(torch::kFloat).contiguous();
  const int64_t n = boxes.size(0);
  const float* b = boxes.data_ptr<float>();
  const float* s = scores.data_ptr<float>();
  std::vector<int64_t> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int64_t i, int64_t j) { return s[i] > s[j]; });
  std::vector<float> area(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) area[i] = (b[4 * i + 2] - b[4 * i]) * (b[4 * i + 3] - b[4 * i + 1]);
  std::vector<char> suppressed(static_cast<size_t>(n), 0);
  std::vector<int64_t> keep;
  for (int64_t a = 0; a < n; ++a) {
    const int64_t i = order[a];
    if (suppressed[i]) continue;
    keep.push_back(i);
    for (int64_t c = a + 1; c < n; ++c) {
      const int64_t j = order[c];
      if (suppressed[j]) continue;
      const float xx1 = std::max(b[4 * i], b[4 * j]), yy1 = std::max(b[4 * i + 1], b[4 * j + 1]);
      const float xx2 = std::min(b[4 * i + 2], b[4 * j + 2]), yy2 = std::min(b[4 * i + 3], b[4 * j + 3]);
      const float inter = std::max(0.0f, xx2 - xx1) * std::max(0.0f, yy2 - yy1);
      const float ovr = inter / (area[i] + area[j] - inter);
      if (ovr > iou) suppressed[j] = 1;
    }
  }
  return keep;
}

// boxes + idx * (max coordinate + 1): groups that cannot overlap.
torch::Tensor offset_groups(const torch::Tensor& boxes, const torch::Tensor& idxs) {
  const auto offsets = idxs.to(boxes.dtype()) * (boxes.max() + 1);
  return boxes + offsets.unsqueeze(1);
}

}  // namespace

std::vector<int64_t> batched_nms(const torch::Tensor& boxes, const torch::Tensor& scores, const torch::Tensor& idxs,
                                 double iou) {
  if (boxes.size(0) == 0) return {};
  if (boxes.numel() <= 4000) return nms(offset_groups(boxes, idxs), scores, iou);
  // torchvision's path for many boxes: each group alone, then all kept rows by score.
  const auto ids = idxs.to(torch::kLong).contiguous();
  const int64_t* id = ids.data_ptr<int64_t>();
  std::map<int64_t, std::vector<int64_t>> groups;
  for (int64_t i = 0; i < ids.size(0); ++i) groups[id[i]].push_back(i);
  std::vector<char> kept(static_cast<size_t>(ids.size(0)), 0);
  for (const auto& [group, rows] : groups) {
    const auto index = torch::tensor(rows, torch::kLong);
    for (int64_t k : nms(boxes.index_select(0, index), scores.index_select(0, index), iou)) kept[rows[k]] = 1;
  }
  std::vector<int64_t> keep;
  for (int64_t i = 0; i < ids.size(0); ++i)
    if (kept[i]) keep.push_back(i);
  const auto s = scores.to(torch::kFloat).contiguous();
  const float* sp = s.data_ptr<float>();
  std::stable_sort(keep.begin(), keep.end(), [&](int64_t i, int64_t j) { return sp[i] > sp[j]; });
  return keep;
}

std::vector<int64_t> batched_nms_min(const torch::Tensor& boxes_in, const torch::Tensor& scores_in,
                                     const torch::Tensor& idxs, double threshold) {
  if (boxes_in.size(0) == 0) return {};
  const auto boxes = offset_groups(boxes_in.to(torch::kFloat), idxs).contiguous();
  const auto scores = scores_in.to(torch::kFloat).contiguous();
  const int64_t n = boxes.size(0);
  const float* b = boxes.data_ptr<float>();
  const float* s = scores.data_ptr<float>();
  std::vector<float> area(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) area[i] = (b[4 * i + 2] - b[4 * i] + 1) * (b[4 * i + 3] - b[4 * i + 1] + 1);
  // np.argsort ascending (stable for the few boxes left here), taking the last = most probable.
  std::vector<int64_t> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int64_t i, int64_t j) { return s[i] < s[j]; });
  std::vector<int64_t> keep;
  while (!order.empty()) {
    const int64_t i = order.back();
    order.pop_back();
    keep.push_back(i);
    std::vector<int64_t> rest;
    for (int64_t j : order) {
      const float xx1 = std::max(b[4 * i], b[4 * j]), yy1 = std::max(b[4 * i + 1], b[4 * j + 1]);
      const float xx2 = std::min(b[4 * i + 2], b[4 * j + 2]), yy2 = std::min(b[4 * i + 3], b[4 * j + 3]);
      const float inter = std::max(0.0f, xx2 - xx1 + 1) * std::max(0.0f, yy2 - yy1 + 1);
      const float o = inter / std::min(area[i], area[j]);
      if (o <= threshold) rest.push_back(j);
    }
    order = std::move(rest);
  }
  return keep;
}

}  // namespace facenet::detect
