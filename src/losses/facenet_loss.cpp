#include "facenet/losses/facenet_loss.h"

#include <torch/nn/functional/loss.h>

#include "facenet/core/error.h"

namespace facenet::losses {

BatchLayout batch_layout_for(const LossConfig& config) {
  return config.mining == Mining::None ? BatchLayout::Thirds : BatchLayout::Identities;
}

FaceNetLossImpl::FaceNetLossImpl(const LossConfig& config, int64_t num_classes, int64_t embedding_size)
    : config_(config), num_classes_(num_classes) {
  if (!has_classifier(config.type)) return;
  if (num_classes <= 0)
    throw ConfigError("loss.type " + to_string(config.type) + " needs the number of classes (got " +
                      std::to_string(num_classes) + ")");
  ClassifierHeadOptions o;
  o.kind = head_kind_for(config.type);
  o.in_features = embedding_size;
  o.num_classes = num_classes;
  o.scale = config.scale;
  o.margin = o.kind == HeadKind::CosFace ? config.cosface_m : config.arcface_m;
  classifier = register_module("classifier", ClassifierHead(o));
}

LossOutput FaceNetLossImpl::compute(const torch::Tensor& prelogits, const torch::Tensor& embeddings,
                                    const torch::Tensor& labels) {
  return compute(prelogits, embeddings, labels, batch_layout_for(config_));
}

LossOutput FaceNetLossImpl::compute(const torch::Tensor& prelogits, const torch::Tensor& embeddings,
                                    const torch::Tensor& labels, BatchLayout layout) {
  if (labels.dim() != 1 || labels.size(0) != embeddings.size(0) || prelogits.size(0) != embeddings.size(0))
    throw Error("FaceNetLoss: prelogits, embeddings and labels must have the same batch size (" +
                std::to_string(prelogits.size(0)) + ", " + std::to_string(embeddings.size(0)) + ", " +
                std::to_string(labels.size(0)) + ")");
  return compute(prelogits, labels, embeddings, labels, layout);
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

  if (classifier) {
    out.has_ce = true;
    auto head = classifier->forward(prelogits, labels);
    namespace F = torch::nn::functional;
    out.ce = F::cross_entropy(head.logits, labels, F::CrossEntropyFuncOptions().label_smoothing(config_.label_smoothing));
    out.accuracy = (head.scores.argmax(1) == labels).to(triplet_embeddings.scalar_type()).mean().detach();
    out.total = out.total + config_.ce_weight * out.ce;
  }
  if (has_triplet(config_.type)) {
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
