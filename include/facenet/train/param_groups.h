#pragma once
// Which parameters a run trains and how fast: train.freeze and train.trainable_from resolve to
// frozen module prefixes, train.lr_mult to optimiser groups, train.head_only_* to a first phase
// in which only the classification head trains. Names are the module paths `facenet summary`
// prints (backbone.stage1.0, last_linear, ...) and their parents (backbone, backbone.stage1);
// `head` is the classification head (the loss's parameters).
#include <torch/nn/module.h>
#include <torch/types.h>

#include <string>
#include <vector>

#include "facenet/core/config.h"
#include "facenet/models/facenet.h"

namespace facenet::train {

struct ParamGroup {
  std::string name;    ///< the train.lr_mult prefix, or "default" (multiplier 1)
  double lr_mult = 1;
  std::vector<torch::Tensor> params;
};

struct ParamPlan {
  std::vector<std::string> frozen;    ///< module prefixes whose parameters and BatchNorm statistics stay
  std::vector<ParamGroup> groups;     ///< every trainable parameter once: the network's, then the head's
  std::vector<torch::Tensor> network; ///< the network's trainable parameters (the head-only phase holds them)
  int64_t frozen_elements = 0;        ///< parameter elements of the network left as they are
  int64_t trainable_elements = 0;     ///< of the network and the head

  /// Every trainable parameter, in group order.
  std::vector<torch::Tensor> trainable() const;
};

/// True when `key` is `prefix` or lies below it at a module boundary (backbone.stage1 covers
/// backbone.stage1.0.weight, not backbone.stage10.weight).
bool under(const std::string& key, const std::string& prefix);

/// The names a prefix may use, in forward order: the summary's blocks, their parents, `head`.
std::vector<std::string> module_names(models::FaceNetImpl& model);

/// Resolves freezing and rate groups and sets requires_grad (false on frozen parameters, so
/// backward stops where the frozen part ends). Throws ConfigError naming the key when a prefix
/// matches no parameter (listing the valid names), when train.trainable_from names no block
/// (a parent such as backbone.stage3 stands for its first block),
/// or when the network has nothing left to train.
ParamPlan plan_parameters(const TrainConfig& t, models::FaceNetImpl& model, torch::nn::Module& head);

/// requires_grad of the plan's network parameters: false while only the head trains.
void hold_network(const ParamPlan& plan, bool hold);

/// Training mode, except BatchNorm layers inside frozen prefixes (or all of them with
/// `all_bn_frozen`), which normalise with their running statistics and never update them.
void set_train_mode(models::FaceNetImpl& model, const std::vector<std::string>& frozen, bool all_bn_frozen);

}  // namespace facenet::train
