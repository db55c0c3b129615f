#include "facenet/losses/objective.h"

#include <string>

#include "facenet/core/error.h"

namespace facenet::losses {

BatchLayout batch_layout_for(const LossConfig& config) {
  return config.mining == Mining::None ? BatchLayout::Thirds : BatchLayout::Identities;
}

LossOutput Objective::compute(const torch::Tensor& prelogits, const torch::Tensor& embeddings,
                              const torch::Tensor& labels, BatchLayout layout) {
  if (labels.dim() != 1 || labels.size(0) != embeddings.size(0) || prelogits.size(0) != embeddings.size(0))
    throw Error("loss: prelogits, embeddings and labels must have the same batch size (" +
                std::to_string(prelogits.size(0)) + ", " + std::to_string(embeddings.size(0)) + ", " +
                std::to_string(labels.size(0)) + ")");
  return compute(prelogits, labels, embeddings, labels, layout);
}

}  // namespace facenet::losses
