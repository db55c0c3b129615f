#pragma once
// The objective LossConfig describes:
//   total = ce_weight * CE(head(prelogits), labels) + triplet_weight * triplet(embeddings)
// The CE term is there when loss.head is not none (the head registered under that name, see
// head_registry.h), the triplet term when loss.triplet_weight > 0. The head is the registered
// submodule `classifier` (keys `classifier.weight`, `classifier.bias` for softmax), so the
// optimiser and the checkpoint see it through this module's parameters().
#include <torch/nn/pimpl.h>
#include <torch/types.h>

#include <memory>

#include "facenet/core/config.h"
#include "facenet/losses/functional.h"
#include "facenet/losses/head.h"
#include "facenet/losses/objective.h"

namespace facenet::losses {

class FaceNetLossImpl : public Objective {
 public:
  /// num_classes is required (> 0) with a head; ignored without one. Throws ConfigError for an
  /// unregistered loss.head or options its head rejects.
  FaceNetLossImpl(const LossConfig& config, int64_t num_classes, int64_t embedding_size);

  using Objective::compute;
  LossOutput compute(const torch::Tensor& prelogits, const torch::Tensor& labels,
                     const torch::Tensor& triplet_embeddings, const torch::Tensor& triplet_labels,
                     BatchLayout layout) override;

  BatchLayout layout() const override { return batch_layout_for(config_); }
  ClassifierHead* classifier() override { return classifier_.get(); }
  int64_t num_classes() const override { return num_classes_; }
  const LossConfig& config() const { return config_; }

 private:
  LossConfig config_;
  int64_t num_classes_;
  std::shared_ptr<ClassifierHead> classifier_;  ///< null for loss.head: none
};
TORCH_MODULE(FaceNetLoss);

}  // namespace facenet::losses
