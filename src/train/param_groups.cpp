#include "facenet/train/param_groups.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <torch/nn/modules/batchnorm.h>

#include <algorithm>

#include "facenet/core/error.h"

namespace facenet::train {
namespace {

constexpr const char* kHead = "head";

/// Network parameters under their keys, then the head's under head.<key>.
std::vector<std::pair<std::string, torch::Tensor>> all_parameters(models::FaceNetImpl& model, torch::nn::Module& head) {
  std::vector<std::pair<std::string, torch::Tensor>> out;
  for (const auto& p : model.named_parameters(true)) out.emplace_back(p.key(), p.value());
  for (const auto& p : head.named_parameters(true)) out.emplace_back(std::string(kHead) + "." + p.key(), p.value());
  return out;
}

std::string names_list(models::FaceNetImpl& model) { return fmt::format("{}", fmt::join(module_names(model), ", ")); }

bool is_network_key(const std::string& key) { return !under(key, kHead); }

/// The block rows of `facenet summary` that hold parameters or not, in forward order.
std::vector<std::string> blocks(models::FaceNetImpl& model) {
  std::vector<std::string> out;
  for (const auto& stage : model.backbone().stages()) out.push_back("backbone." + stage.name);
  if (!model.trunk_embeds()) out.insert(out.end(), {"last_linear", "last_bn"});
  return out;
}

}  // namespace

bool under(const std::string& key, const std::string& prefix) {
  return key.size() >= prefix.size() && key.compare(0, prefix.size(), prefix) == 0 &&
         (key.size() == prefix.size() || key[prefix.size()] == '.');
}

std::vector<torch::Tensor> ParamPlan::trainable() const {
  std::vector<torch::Tensor> out;
  for (const auto& g : groups) out.insert(out.end(), g.params.begin(), g.params.end());
  return out;
}

std::vector<std::string> module_names(models::FaceNetImpl& model) {
  std::vector<std::string> out{"backbone"};
  for (const auto& block : blocks(model)) {
    // backbone.stage1.0 -> its parent backbone.stage1 first (once)
    const auto dot = block.rfind('.');
    if (dot != std::string::npos && dot > std::string("backbone").size()) {
      const auto parent = block.substr(0, dot);
      if (std::find(out.begin(), out.end(), parent) == out.end()) out.push_back(parent);
    }
    out.push_back(block);
  }
  out.push_back(kHead);
  return out;
}

ParamPlan plan_parameters(const TrainConfig& t, models::FaceNetImpl& model, torch::nn::Module& head) {
  const auto params = all_parameters(model, head);
  const auto matches_any = [&](const std::string& prefix) {
    return std::any_of(params.begin(), params.end(), [&](const auto& p) { return under(p.first, prefix); });
  };
  ParamPlan plan;
  for (const auto& prefix : t.freeze) {
    if (!matches_any(prefix))
      throw ConfigError(fmt::format("train.freeze: '{}' matches no parameter; valid names: {}", prefix, names_list(model)));
    plan.frozen.push_back(prefix);
  }
  if (!t.trainable_from.empty()) {
    // A block, or a parent of blocks (backbone.stage3): its first block starts the trainable part.
    const auto all = blocks(model);
    const auto it = std::find_if(all.begin(), all.end(), [&](const auto& b) { return under(b, t.trainable_from); });
    if (it == all.end())
      throw ConfigError(fmt::format("train.trainable_from: '{}' is not a block; blocks: {}", t.trainable_from,
                                    fmt::join(all, ", ")));
    plan.frozen.insert(plan.frozen.end(), all.begin(), it);
  }
  for (const auto& [prefix, mult] : t.lr_mult)
    if (!matches_any(prefix))
      throw ConfigError(fmt::format("train.lr_mult: '{}' matches no parameter; valid names: {}", prefix, names_list(model)));

  // One group per lr_mult prefix (the longest matching prefix wins), the rest at 1 first.
  plan.groups.push_back({"default", 1.0, {}});
  for (const auto& [prefix, mult] : t.lr_mult) plan.groups.push_back({prefix, mult, {}});
  int64_t network_trainable = 0;
  const auto fixed = model.fixed_parameters();
  for (auto& [key, p] : params) {
    // Parameters the published network never trains (IResNet's features.weight) stay fixed.
    if (std::find(fixed.begin(), fixed.end(), key) != fixed.end()) {
      p.set_requires_grad(false);
      continue;
    }
    const bool frozen = std::any_of(plan.frozen.begin(), plan.frozen.end(), [&](const auto& f) { return under(key, f); });
    p.set_requires_grad(!frozen);
    if (frozen) {
      plan.frozen_elements += p.numel();
      continue;
    }
    std::size_t group = 0, longest = 0;
    for (std::size_t i = 1; i < plan.groups.size(); ++i)
      if (under(key, plan.groups[i].name) && plan.groups[i].name.size() > longest)
        group = i, longest = plan.groups[i].name.size();
    plan.groups[group].params.push_back(p);
    plan.trainable_elements += p.numel();
    if (is_network_key(key)) {
      plan.network.push_back(p);
      network_trainable += p.numel();
    }
  }
  if (network_trainable == 0)
    throw ConfigError(fmt::format("{}: every parameter of the network is frozen, nothing is left to train (leave at "
                                  "least last_linear and last_bn trainable)",
                                  t.freeze.empty() ? "train.trainable_from" : "train.freeze"));
  plan.groups.erase(std::remove_if(plan.groups.begin(), plan.groups.end(), [](const auto& g) { return g.params.empty(); }),
                    plan.groups.end());
  return plan;
}

void hold_network(const ParamPlan& plan, bool hold) {
  for (auto p : plan.network) p.set_requires_grad(!hold);
}

void set_train_mode(models::FaceNetImpl& model, const std::vector<std::string>& frozen, bool all_bn_frozen) {
  model.train();
  if (!all_bn_frozen && frozen.empty()) return;
  for (const auto& item : model.named_modules("", /*include_self=*/false)) {
    auto* m = item.value().get();
    if (!dynamic_cast<torch::nn::BatchNorm1dImpl*>(m) && !dynamic_cast<torch::nn::BatchNorm2dImpl*>(m)) continue;
    if (all_bn_frozen || std::any_of(frozen.begin(), frozen.end(), [&](const auto& f) { return under(item.key(), f); }))
      m->eval();
  }
}

}  // namespace facenet::train
