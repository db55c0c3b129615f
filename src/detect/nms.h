#pragma once
// The two non-maximum suppressions facenet-pytorch's MTCNN uses (private to src/detect), with
// their exact overlap arithmetic and tie order, so that the same boxes survive.
#include <torch/types.h>

#include <cstdint>
#include <vector>

namespace facenet::detect {

/// torchvision.ops.batched_nms: per group (idxs), drop a box whose IoU with a kept, more probable
/// box exceeds `iou`; area (x2 - x1) * (y2 - y1) in float; most probable first (ties in input
/// order). Over 1000 boxes each group runs alone, else groups are separated by offsetting the
/// coordinates (torchvision's two paths). Returns the kept rows, most probable first.
std::vector<int64_t> batched_nms(const torch::Tensor& boxes, const torch::Tensor& scores, const torch::Tensor& idxs,
                                 double iou);

/// facenet-pytorch's batched_nms_numpy with method "Min": the overlap is the intersection over
/// the smaller area, areas count both end pixels ((x2 - x1 + 1) * (y2 - y1 + 1)), a box is kept
/// while its overlap is <= `threshold`; groups separated by offsetting the coordinates.
std::vector<int64_t> batched_nms_min(const torch::Tensor& boxes, const torch::Tensor& scores, const torch::Tensor& idxs,
                                     double threshold);

}  // namespace facenet::detect
