#pragma once
// The logits of the cosine heads (cosine_head.h) as free functions, on cos(theta) =
// normalize(x) . normalize(W_c):
//  - ArcFace: s * cos(theta + m) for the target class, s * cos(theta) elsewhere;
//  - CosFace: s * (cos(theta) - m) for the target class, s * cos(theta) elsewhere.
//
// ArcFace convention ("easy margin" off, as insightface's ArcMarginProduct and
// CombinedMarginLoss's fallback): when theta + m > pi (cos theta < cos(pi - m)),
// the target logit is s * (cos theta - m * sin m), which keeps it monotonic in theta.
#include <torch/types.h>

namespace facenet::losses {

/// cos(theta) between rows of x (N, D) and rows of weight (C, D) -> (N, C).
torch::Tensor cosine_logits(const torch::Tensor& x, const torch::Tensor& weight);

/// s * cos with the additive angular margin on each row's target column (convention above).
torch::Tensor arcface_logits(const torch::Tensor& cosine, const torch::Tensor& labels, double s, double m);

/// s * cos with cos - m on each row's target column.
torch::Tensor cosface_logits(const torch::Tensor& cosine, const torch::Tensor& labels, double s, double m);

}  // namespace facenet::losses
