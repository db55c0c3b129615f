#include "facenet/train/optimizer.h"

#include <torch/optim.h>

#include "facenet/core/error.h"

namespace facenet::train {

std::unique_ptr<torch::optim::Optimizer> make_optimizer(const TrainConfig& t, std::vector<torch::Tensor> params) {
  return make_optimizer(t, std::vector<std::vector<torch::Tensor>>{std::move(params)});
}

std::unique_ptr<torch::optim::Optimizer> make_optimizer(const TrainConfig& t,
                                                        std::vector<std::vector<torch::Tensor>> groups) {
  // Groups without options of their own take a copy of the defaults below.
  std::vector<torch::optim::OptimizerParamGroup> params;
  for (auto& g : groups) params.emplace_back(std::move(g));
  switch (t.optimizer) {
    case OptimizerKind::Adam:
      return std::make_unique<torch::optim::Adam>(params, torch::optim::AdamOptions(t.lr).weight_decay(t.weight_decay));
    case OptimizerKind::AdamW:
      return std::make_unique<torch::optim::AdamW>(params,
                                                   torch::optim::AdamWOptions(t.lr).weight_decay(t.weight_decay));
    case OptimizerKind::SGD:
      return std::make_unique<torch::optim::SGD>(
          params, torch::optim::SGDOptions(t.lr).momentum(t.momentum).nesterov(t.nesterov && t.momentum > 0)
                      .weight_decay(t.weight_decay));
  }
  throw ConfigError("unknown train.optimizer");
}

void release_gradients(torch::optim::Optimizer& optimizer) {
  for (auto& group : optimizer.param_groups())
    for (auto& p : group.params()) p.mutable_grad() = torch::Tensor();
}

}  // namespace facenet::train
