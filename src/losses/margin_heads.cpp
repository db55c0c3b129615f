#include "facenet/losses/margin_heads.h"

#include <torch/nn/functional/normalization.h>

#include <cmath>

#include "facenet/core/error.h"

namespace facenet::losses {
namespace {

namespace F = torch::nn::functional;

torch::Tensor l2n(const torch::Tensor& x) { return F::normalize(x, F::NormalizeFuncOptions().p(2).dim(1).eps(1e-10)); }

torch::Tensor target_mask(const torch::Tensor& cosine, const torch::Tensor& labels) {
  if (labels.dim() != 1 || labels.size(0) != cosine.size(0))
    throw Error("margin head: labels must be (N) with N = " + std::to_string(cosine.size(0)));
  return torch::zeros_like(cosine, torch::kBool).scatter_(1, labels.view({-1, 1}), true);
}

}  // namespace

torch::Tensor cosine_logits(const torch::Tensor& x, const torch::Tensor& weight) {
  return l2n(x).matmul(l2n(weight).t());
}

torch::Tensor arcface_logits(const torch::Tensor& cosine, const torch::Tensor& labels, double s, double m) {
  auto cos = cosine.clamp(-1, 1);
  // sin(theta) >= 0 for theta in [0, pi]; the floor keeps its gradient finite at |cos| = 1.
  auto sin = (1 - cos * cos).clamp_min(1e-12).sqrt();
  auto with_margin = cos * std::cos(m) - sin * std::sin(m);        // cos(theta + m)
  auto fallback = cos - m * std::sin(m);                            // theta + m > pi
  auto target = torch::where(cos > std::cos(M_PI - m), with_margin, fallback);
  return torch::where(target_mask(cosine, labels), target, cosine) * s;
}

torch::Tensor cosface_logits(const torch::Tensor& cosine, const torch::Tensor& labels, double s, double m) {
  return torch::where(target_mask(cosine, labels), cosine - m, cosine) * s;
}

}  // namespace facenet::losses
