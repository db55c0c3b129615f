#pragma once
// What the trainer trains against: an Objective turns the network's outputs on a batch into a
// loss. It is a module, so its own parameters (a classifier head's) are optimised with the
// network's and checkpointed as the checkpoint's `head`. FaceNetLoss (facenet_loss.h) is the
// one LossConfig builds.
#include <torch/nn/module.h>
#include <torch/types.h>

#include "facenet/core/config.h"
#include "facenet/losses/head.h"

namespace facenet::losses {

/// How a batch's rows are arranged.
enum class BatchLayout {
  Thirds,      ///< [anchors | positives | negatives] (the seed's triplet sampler); triplet_loss_thirds
  Identities,  ///< P identities x K images (any order); online mining per loss.mining
};

/// Thirds for loss.mining: none, Identities otherwise.
BatchLayout batch_layout_for(const LossConfig& config);

struct LossOutput {
  torch::Tensor total;            ///< scalar, differentiable
  torch::Tensor ce;               ///< scalar (0 without a head)
  torch::Tensor triplet;          ///< scalar (0 without the triplet term)
  torch::Tensor accuracy;         ///< detached: top-1 of the margin-free logits (0 without a head)
  torch::Tensor active_fraction;  ///< detached: triplets with loss > 0 / valid (0 without the triplet term)
  bool has_ce = false;
  bool has_triplet = false;
};

class Objective : public torch::nn::Module {
 public:
  /// The head's term on (prelogits, labels) and the triplet term on other rows
  /// (triplet_embeddings, triplet_labels): e.g. a batch gathered from every training process,
  /// so negatives are mined from the global batch while cross-entropy stays local.
  virtual LossOutput compute(const torch::Tensor& prelogits, const torch::Tensor& labels,
                             const torch::Tensor& triplet_embeddings, const torch::Tensor& triplet_labels,
                             BatchLayout layout) = 0;

  /// One batch: prelogits, embeddings (N, D) from FaceNet::forward_train; labels (N) int64 class ids.
  LossOutput compute(const torch::Tensor& prelogits, const torch::Tensor& embeddings, const torch::Tensor& labels,
                     BatchLayout layout);
  /// Same in layout().
  LossOutput compute(const torch::Tensor& prelogits, const torch::Tensor& embeddings, const torch::Tensor& labels) {
    return compute(prelogits, embeddings, labels, layout());
  }

  /// The layout the objective's batches come in.
  virtual BatchLayout layout() const = 0;
  /// The classification head (for held-out classification accuracy), or nullptr without one.
  virtual ClassifierHead* classifier() = 0;
  /// The head's number of classes, stored in checkpoints (0 without a head).
  virtual int64_t num_classes() const = 0;
};

}  // namespace facenet::losses
