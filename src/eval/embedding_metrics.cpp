#include "facenet/eval/embedding_metrics.h"

#include <torch/torch.h>

#include <cmath>

#include "facenet/core/error.h"

namespace facenet::eval {

torch::Tensor combine_flip(const torch::Tensor& plain, const torch::Tensor& flipped, FlipMode mode) {
  if (mode == FlipMode::None) return plain;
  if (!flipped.defined())
    throw Error("flip mode '" + to_string(mode) + "' needs the flipped images' embeddings");
  TORCH_CHECK(plain.sizes() == flipped.sizes(), "combine_flip: plain ", plain.sizes(), " vs flipped ",
              flipped.sizes());
  if (mode == FlipMode::Concat) return torch::cat({plain, flipped}, 1);
  return torch::nn::functional::normalize(plain + flipped,
                                          torch::nn::functional::NormalizeFuncOptions().p(2).dim(1).eps(1e-12));
}

std::vector<double> pair_distances(const torch::Tensor& e1, const torch::Tensor& e2, Distance distance) {
  TORCH_CHECK(e1.dim() == 2 && e1.sizes() == e2.sizes(), "pair_distances: expected two (N, D) tensors, got ",
              e1.sizes(), " and ", e2.sizes());
  const auto a = e1.to(torch::kCPU, torch::kDouble), b = e2.to(torch::kCPU, torch::kDouble);
  torch::Tensor d;
  switch (distance) {
    case Distance::L2Squared: d = (a - b).pow(2).sum(1); break;
    case Distance::L2: d = (a - b).pow(2).sum(1).sqrt(); break;
    case Distance::Cosine: {
      const auto norms = (a.norm(2, 1) * b.norm(2, 1)).clamp_min(1e-12);
      d = torch::acos(((a * b).sum(1) / norms).clamp(-1.0, 1.0)) / M_PI;
      break;
    }
  }
  d = d.contiguous();
  return std::vector<double>(d.data_ptr<double>(), d.data_ptr<double>() + d.numel());
}

VerificationReport evaluate_embeddings(const torch::Tensor& emb1, const torch::Tensor& emb2,
                                       const std::vector<bool>& same, const EvalConfig& config) {
  TORCH_CHECK(emb1.dim() == 2 && emb1.sizes() == emb2.sizes() && emb1.size(0) == static_cast<int64_t>(same.size()),
              "evaluate_embeddings: expected emb1, emb2 of shape (N, D) with N = ", same.size(), ", got ",
              emb1.sizes(), " and ", emb2.sizes());
  const auto a = emb1.to(torch::kCPU, torch::kDouble), b = emb2.to(torch::kCPU, torch::kDouble);
  if (!config.subtract_mean) {
    const auto dist = pair_distances(a, b, config.distance);
    return evaluate_distances(dist, same, config);
  }
  const auto centred = [&](const torch::Tensor& idx) {
    // Mean over the rows of concat(emb1[idx], emb2[idx]), as davidsandberg.
    const auto mean = torch::cat({a.index_select(0, idx), b.index_select(0, idx)}, 0).mean(0, true);
    return pair_distances(a - mean, b - mean, config.distance);
  };
  const auto fold_dist = [&](const std::vector<int64_t>& train) {
    return centred(torch::tensor(train, torch::kLong));
  };
  return evaluate_fold_distances(fold_dist, centred(torch::arange(a.size(0), torch::kLong)), same, config);
}

}  // namespace facenet::eval
