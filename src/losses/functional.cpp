#include "facenet/losses/functional.h"

#include <torch/nn/functional/activation.h>

#include "facenet/core/error.h"

namespace facenet::losses {
namespace {

// Keeps d/dx sqrt(x) finite at x = 0 (the clamp passes no gradient below it);
// shifts a zero distance to 1e-6, far below any margin.
constexpr double kSqrtFloor = 1e-12;

void require(bool ok, const std::string& message) {
  if (!ok) throw Error(message);
}

void check_labelled(const torch::Tensor& embeddings, const torch::Tensor& labels, const char* fn) {
  require(embeddings.dim() == 2, std::string(fn) + ": embeddings must be (N, D)");
  require(labels.dim() == 1 && labels.size(0) == embeddings.size(0),
          std::string(fn) + ": labels must be (N) with N = " + std::to_string(embeddings.size(0)));
}

torch::Tensor finish_distance(const torch::Tensor& d2, TripletDistance distance) {
  return distance == TripletDistance::Euclidean ? d2.clamp_min(kSqrtFloor).sqrt() : d2;
}

struct Masks {
  torch::Tensor positive;  // (N, N): same label, a != p
  torch::Tensor negative;  // (N, N): different label
};

Masks make_masks(const torch::Tensor& labels) {
  const auto n = labels.size(0);
  auto same = labels.unsqueeze(0) == labels.unsqueeze(1);
  auto eye = torch::eye(n, torch::TensorOptions().dtype(torch::kBool).device(labels.device()));
  return {same & ~eye, ~same};
}

// num / max(den, 1) in the embeddings' floating type, detached.
torch::Tensor ratio(const torch::Tensor& num, const torch::Tensor& den, const torch::Tensor& like) {
  return (num.to(like.scalar_type()) / den.to(like.scalar_type()).clamp_min(1)).detach();
}

// A value larger than every distance: stands in for "no candidate" in min().
torch::Tensor beyond(const torch::Tensor& d) { return d.max().detach() + 1; }

}  // namespace

torch::Tensor rowwise_distance(const torch::Tensor& a, const torch::Tensor& b, TripletDistance distance) {
  return finish_distance((a - b).pow(2).sum(-1), distance);
}

torch::Tensor pairwise_distances(const torch::Tensor& x, TripletDistance distance) {
  require(x.dim() == 2, "pairwise_distances: x must be (N, D)");
  auto dot = x.matmul(x.t());
  auto sq = dot.diagonal();
  auto d2 = (sq.unsqueeze(0) - 2 * dot + sq.unsqueeze(1)).clamp_min(0);
  auto eye = torch::eye(x.size(0), torch::TensorOptions().dtype(torch::kBool).device(x.device()));
  return finish_distance(d2, distance).masked_fill(eye, 0);
}

TripletLossResult triplet_loss_thirds(const torch::Tensor& embeddings, double alpha, TripletDistance distance) {
  require(embeddings.dim() == 2 && embeddings.size(0) > 0 && embeddings.size(0) % 3 == 0,
          "triplet_loss_thirds: expected (3B, D) embeddings [anchors | positives | negatives], got " +
              std::to_string(embeddings.size(0)) + " rows");
  const auto b = embeddings.size(0) / 3;
  auto anchor = embeddings.narrow(0, 0, b);
  auto pos = rowwise_distance(anchor, embeddings.narrow(0, b, b), distance);
  auto neg = rowwise_distance(anchor, embeddings.narrow(0, 2 * b, b), distance);
  auto kept = (neg - pos < alpha).detach();
  auto num_kept = kept.sum();
  auto loss = ((pos - neg + alpha) * kept.to(pos.dtype())).sum() / num_kept.to(pos.dtype()).clamp_min(1);
  return {loss, (num_kept.to(pos.scalar_type()) / static_cast<double>(b)).detach(), torch::tensor(b)};
}

TripletLossResult batch_all_triplet_loss(const torch::Tensor& embeddings, const torch::Tensor& labels, double alpha,
                                         TripletDistance distance) {
  check_labelled(embeddings, labels, "batch_all_triplet_loss");
  auto d = pairwise_distances(embeddings, distance);
  auto m = make_masks(labels);
  auto valid = m.positive.unsqueeze(2) & m.negative.unsqueeze(1);  // [a, p, n]
  auto losses = torch::relu(d.unsqueeze(2) - d.unsqueeze(1) + alpha) * valid.to(d.dtype());
  auto num_active = (losses > 0).sum();
  auto loss = losses.sum() / num_active.to(d.dtype()).clamp_min(1);
  auto num_valid = valid.sum();
  return {loss, ratio(num_active, num_valid, d), num_valid.detach()};
}

TripletLossResult batch_hard_triplet_loss(const torch::Tensor& embeddings, const torch::Tensor& labels, double alpha,
                                          TripletDistance distance) {
  check_labelled(embeddings, labels, "batch_hard_triplet_loss");
  auto d = pairwise_distances(embeddings, distance);
  auto m = make_masks(labels);
  auto hardest_pos = (d * m.positive.to(d.dtype())).amax(1);  // distances are >= 0
  auto hardest_neg = torch::where(m.negative, d, beyond(d)).amin(1);
  auto valid = m.positive.any(1) & m.negative.any(1);
  auto per_anchor = torch::relu(hardest_pos - hardest_neg + alpha) * valid.to(d.dtype());
  auto num_valid = valid.sum();
  auto loss = per_anchor.sum() / num_valid.to(d.dtype()).clamp_min(1);
  return {loss, ratio((per_anchor > 0).sum(), num_valid, d), num_valid.detach()};
}

TripletLossResult semi_hard_triplet_loss(const torch::Tensor& embeddings, const torch::Tensor& labels, double alpha,
                                         TripletDistance distance) {
  check_labelled(embeddings, labels, "semi_hard_triplet_loss");
  auto d = pairwise_distances(embeddings, distance);
  auto m = make_masks(labels);
  auto far = beyond(d);
  auto d_ap = d.unsqueeze(2);  // [a, p, 1]
  auto d_an = d.unsqueeze(1);  // [a, 1, n]
  auto semi = m.negative.unsqueeze(1) & (d_an > d_ap) & (d_an < d_ap + alpha);  // [a, p, n]
  auto closest_semi = torch::where(semi, d_an, far).amin(2);                   // [a, p]
  auto hardest = torch::where(m.negative, d, far).amin(1, /*keepdim=*/true);   // [a, 1]
  auto chosen = torch::where(semi.any(2), closest_semi, hardest);
  auto valid = m.positive & m.negative.any(1, /*keepdim=*/true);
  auto per_pair = torch::relu(d - chosen + alpha) * valid.to(d.dtype());
  auto num_valid = valid.sum();
  auto loss = per_pair.sum() / num_valid.to(d.dtype()).clamp_min(1);
  return {loss, ratio((per_pair > 0).sum(), num_valid, d), num_valid.detach()};
}

TripletLossResult mined_triplet_loss(const torch::Tensor& embeddings, const torch::Tensor& labels, Mining mining,
                                     double alpha, TripletDistance distance) {
  switch (mining) {
    case Mining::BatchAll:
      return batch_all_triplet_loss(embeddings, labels, alpha, distance);
    case Mining::BatchHard:
      return batch_hard_triplet_loss(embeddings, labels, alpha, distance);
    case Mining::SemiHard:
      return semi_hard_triplet_loss(embeddings, labels, alpha, distance);
    case Mining::None:
      break;
  }
  throw Error("loss.mining: " + to_string(mining) +
              " has no online mining; anchor|positive|negative batches use triplet_loss_thirds");
}

}  // namespace facenet::losses
