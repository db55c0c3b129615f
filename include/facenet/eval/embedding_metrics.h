#pragma once
// From embeddings to the verification protocol: test-time flip, pair distances, subtract_mean.
#include <torch/types.h>

#include <vector>

#include "facenet/core/config.h"
#include "facenet/eval/verification.h"

namespace facenet::eval {

/// Combines the embeddings of the original and the horizontally flipped images (both (N, D)).
/// none: `plain` as is. concat: [plain, flipped] -> (N, 2D), used as is for distances (davidsandberg
/// --lfw_use_flipped_images). sum: L2-normalise(plain + flipped) -> (N, D) (insightface).
/// `flipped` may be undefined for none.
torch::Tensor combine_flip(const torch::Tensor& plain, const torch::Tensor& flipped, FlipMode mode);

/// Row-wise distances between e1 and e2 (both (N, D)), in double:
/// l2: |a-b|; l2sq: |a-b|^2 (davidsandberg metric 0); cosine: arccos(clip(a.b/(|a||b|), -1, 1))/pi
/// (davidsandberg metric 1; on raw vectors, the norms floored at 1e-12).
std::vector<double> pair_distances(const torch::Tensor& e1, const torch::Tensor& e2, Distance distance);

/// The protocol on pair embeddings emb1[i], emb2[i] (both (N, D), after combine_flip), same[i].
/// subtract_mean: each fold subtracts the mean of its training pairs' embeddings (both sides)
/// from all embeddings before the distances, for its threshold searches and its held-out fold;
/// the all-pairs metrics (ROC, AUC, EER, TAR@FAR, threshold_at_far) use the mean over all pairs.
VerificationReport evaluate_embeddings(const torch::Tensor& emb1, const torch::Tensor& emb2,
                                       const std::vector<bool>& same, const EvalConfig& config);

}  // namespace facenet::eval
