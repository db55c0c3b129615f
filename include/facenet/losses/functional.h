#pragma once
// Triplet losses as free functions on L2-normalised embeddings (N, D).
//
// Conventions (all modes):
//  - distance: Euclidean = sqrt(max(d2, 1e-12)) (the clamp keeps the gradient
//    finite at zero distance, e.g. anchor == positive), or squared Euclidean = d2;
//  - a triplet/anchor/pair is "active" when its loss is > 0; active_fraction =
//    active / valid (0 when nothing is valid);
//  - a batch with no valid or no active triplet gives loss 0 that is still
//    connected to the graph (zero gradient, never NaN).
#include <torch/types.h>

#include "facenet/core/config.h"

namespace facenet::losses {

struct TripletLossResult {
  torch::Tensor loss;             ///< scalar, differentiable
  torch::Tensor active_fraction;  ///< scalar, detached: active / valid
  torch::Tensor num_valid;        ///< scalar int64, detached: valid triplets / anchors / pairs
};

/// Row-wise distance between (N, D) tensors -> (N).
torch::Tensor rowwise_distance(const torch::Tensor& a, const torch::Tensor& b, TripletDistance distance);

/// (N, D) -> (N, N) distance matrix via |a|^2 + |b|^2 - 2ab (clamped at 0, diagonal exactly 0).
torch::Tensor pairwise_distances(const torch::Tensor& x, TripletDistance distance);

/// The seed's recipe: rows are [anchors | positives | negatives] thirds (N = 3B).
/// A triplet is kept when neg - pos < alpha; loss = sum over kept of (pos - neg + alpha) / max(1, kept).
/// (Kept triplets are exactly those with positive loss, so active_fraction = kept / B.)
TripletLossResult triplet_loss_thirds(const torch::Tensor& embeddings, double alpha, TripletDistance distance);

/// Batch-all online mining over every valid (a, p, n): label[a] == label[p], a != p, label[n] != label[a].
/// loss = sum of relu(d_ap - d_an + alpha) / number of triplets with positive loss (the common
/// batch-all implementation); 0 when none is positive. Valid = all valid triplets.
TripletLossResult batch_all_triplet_loss(const torch::Tensor& embeddings, const torch::Tensor& labels, double alpha,
                                         TripletDistance distance);

/// Batch-hard: per anchor, the farthest positive and the closest negative; loss = mean over
/// anchors having at least one positive and one negative of relu(d_ap_max - d_an_min + alpha).
TripletLossResult batch_hard_triplet_loss(const torch::Tensor& embeddings, const torch::Tensor& labels, double alpha,
                                          TripletDistance distance);

/// Semi-hard: per anchor-positive pair (a != p, same label), the closest negative with
/// d_ap < d_an < d_ap + alpha; when there is none, the anchor's hardest (closest) negative.
/// loss = mean over pairs whose anchor has a negative of relu(d_ap - d_an + alpha).
TripletLossResult semi_hard_triplet_loss(const torch::Tensor& embeddings, const torch::Tensor& labels, double alpha,
                                         TripletDistance distance);

/// Dispatches on `mining` (BatchAll | BatchHard | SemiHard); throws facenet::Error for Mining::None,
/// which needs triplet_loss_thirds instead.
TripletLossResult mined_triplet_loss(const torch::Tensor& embeddings, const torch::Tensor& labels, Mining mining,
                                     double alpha, TripletDistance distance);

}  // namespace facenet::losses
