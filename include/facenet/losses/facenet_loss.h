#pragma once
// The training objective built from LossConfig:
//   total = ce_weight * CE(head(prelogits), labels) + triplet_weight * triplet(embeddings)
// with the terms present per loss.type (softmax | triplet | softmax_triplet | arcface |
// cosface | arcface_triplet | cosface_triplet). The weights apply to single-term types too
// (both default to 1). The classification head is the registered submodule `classifier`
// (keys `classifier.weight`, `classifier.bias` for softmax), so the optimiser and the
// checkpoint see it through this module's parameters().
#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>
#include <torch/types.h>

#include "facenet/core/config.h"
#include "facenet/losses/functional.h"
#include "facenet/losses/margin_heads.h"

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
  torch::Tensor ce;               ///< scalar (0 when the type has no classifier)
  torch::Tensor triplet;          ///< scalar (0 when the type has no triplet term)
  torch::Tensor accuracy;         ///< detached: top-1 of the margin-free logits (0 without classifier)
  torch::Tensor active_fraction;  ///< detached: triplets with loss > 0 / valid (0 without triplet term)
  bool has_ce = false;
  bool has_triplet = false;
};

class FaceNetLossImpl : public torch::nn::Module {
 public:
  /// num_classes is required (> 0) for types with a classifier; ignored for triplet.
  FaceNetLossImpl(const LossConfig& config, int64_t num_classes, int64_t embedding_size);

  /// prelogits, embeddings: (N, D) from FaceNet::forward_train; labels: (N) int64 class ids.
  LossOutput compute(const torch::Tensor& prelogits, const torch::Tensor& embeddings, const torch::Tensor& labels,
                     BatchLayout layout);
  /// Same with batch_layout_for(config()).
  LossOutput compute(const torch::Tensor& prelogits, const torch::Tensor& embeddings, const torch::Tensor& labels);
  /// The classifier term on (prelogits, labels) and the triplet term on other rows
  /// (triplet_embeddings, triplet_labels): e.g. a batch gathered from every training process,
  /// so negatives are mined from the global batch while cross-entropy stays local.
  LossOutput compute(const torch::Tensor& prelogits, const torch::Tensor& labels,
                     const torch::Tensor& triplet_embeddings, const torch::Tensor& triplet_labels,
                     BatchLayout layout);

  const LossConfig& config() const { return config_; }
  int64_t num_classes() const { return num_classes_; }

  ClassifierHead classifier{nullptr};  ///< null for loss.type: triplet

 private:
  LossConfig config_;
  int64_t num_classes_;
};
TORCH_MODULE(FaceNetLoss);

}  // namespace facenet::losses
