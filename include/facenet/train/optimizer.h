#pragma once
// The optimiser from the config, and the gradient hand-off between steps.
#include <torch/optim/optimizer.h>

#include <memory>
#include <vector>

#include "facenet/core/config.h"

namespace facenet::train {

/// Adam, AdamW or SGD (Nesterov momentum) over `params`, as train.* configures.
std::unique_ptr<torch::optim::Optimizer> make_optimizer(const TrainConfig& t, std::vector<torch::Tensor> params);

/// The same with one parameter group per entry (train.lr_mult): each starts from train.* and
/// takes train.weight_decay as configured; the trainer sets each group's rate every step.
std::unique_ptr<torch::optim::Optimizer> make_optimizer(const TrainConfig& t,
                                                        std::vector<std::vector<torch::Tensor>> groups);

/// Drops every parameter's gradient after a step (PyTorch's zero_grad(set_to_none=True)), so
/// the next forward pass runs without the previous step's gradients held in memory; backward
/// then writes fresh ones, equal to zeroed-and-accumulated ones.
void release_gradients(torch::optim::Optimizer& optimizer);

}  // namespace facenet::train
