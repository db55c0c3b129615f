#include "facenet/losses/facenet_loss.h"

#include <torch/nn/functional/loss.h>

#include "facenet/core/error.h"
#include "facenet/losses/head_registry.h"

namespace facenet::losses {

FaceNetLossImpl::FaceNetLossImpl(const LossConfig& config, int64_t num_classes, int64_t embedding_size)
    : config_(config), num_classes_(num_classes) {
  if (!config.has_head()) return;
  if (num_classes <= 0)
    throw ConfigError("loss.head " + config.head + " needs the number of classes (got " +
                      std::to_string(num_classes) + ")");
  classifier_ = register_module("classifier", make_head(config.head, head_options(config, num_classes, embedding_size)));
}

LossOutput FaceNetLossImpl::compute(const torch::Tensor& prelogits, const torch::Tensor& labels,
                                    const torch::Tensor& triplet_embeddings, const torch::Tensor& triplet_labels,
                                    BatchLayout layout) {
  if (labels.dim() != 1 || labels.size(0) != prelogits.size(0) || triplet_labels.dim() != 1 ||
      triplet_labels.size(0) != triplet_embeddings.size(0))
    throw Error("FaceNetLoss: prelogits (" + std::to_string(prelogits.size(0)) + ") and labels (" +
                std::to_string(labels.size(0)) + "), triplet embeddings (" +
                std::to_string(triplet_embeddings.size(0)) + ") and their labels (" +
                std::to_string(triplet_labels.size(0)) + ") must pair up");
  LossOutput out;
  auto zero = torch::zeros({}, triplet_embeddings.options());
  out.total = zero;
  out.ce = zero;
  out.triplet = zero;
  out.accuracy = zero;
  out.active_fraction = zero;

  if (classifier_) {
    out.has_ce = true;
    auto head = classifier_->forward(prelogits, labels);
    namespace F = torch::nn::functional;
    out.ce = F::cross_entropy(head.logits, labels, F::CrossEntropyFuncOptions().label_smoothing(config_.label_smoothing));
    out.accuracy = (head.scores.argmax(1) == labels).to(triplet_embeddings.scalar_type()).mean().detach();
    out.total = out.total + config_.ce_weight * out.ce;
  }
  if (config_.has_triplet_term()) {
    out.has_triplet = true;
    TripletLossResult t;
    if (layout == BatchLayout::Thirds) {
      t = triplet_loss_thirds(triplet_embeddings, config_.alpha, config_.distance);
    } else {
      if (config_.mining == Mining::None)
        throw ConfigError("loss.mining: none needs anchor|positive|negative batches; P x K batches need "
                          "batch_all, batch_hard or semi_hard");
      t = mined_triplet_loss(triplet_embeddings, triplet_labels, config_.mining, config_.alpha, config_.distance);
    }
    out.triplet = t.loss;
    out.active_fraction = t.active_fraction.to(triplet_embeddings.options());
    out.total = out.total + config_.triplet_weight * out.triplet;
  }
  return out;
}

}  // namespace facenet::losses
