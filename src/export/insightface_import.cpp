#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <torch/torch.h>

#include <array>
#include <map>
#include <sstream>

#include "facenet/core/error.h"
#include "facenet/export/insightface.h"
#include "facenet/models/iresnet.h"

namespace facenet::exporting {
namespace {

bool starts_with(const std::string& s, const std::string& p) { return s.rfind(p, 0) == 0; }
bool ends_with(const std::string& s, const std::string& p) {
  return s.size() >= p.size() && s.compare(s.size() - p.size(), p.size(), p) == 0;
}

std::string shape_text(const torch::Tensor& t) {
  std::ostringstream s;
  s << t.sizes();
  return s.str();
}

constexpr std::array<Backbone, 5> kIResNets = {Backbone::IResNet18, Backbone::IResNet34, Backbone::IResNet50,
                                               Backbone::IResNet100, Backbone::IResNet200};

/// Blocks per stage: one more than the highest `layerN.<i>.` index seen.
std::array<int64_t, 4> depths_of(const NamedTensors& state) {
  std::array<int64_t, 4> d{0, 0, 0, 0};
  for (const auto& [key, t] : state)
    for (int s = 0; s < 4; ++s) {
      const auto prefix = "layer" + std::to_string(s + 1) + ".";
      if (!starts_with(key, prefix)) continue;
      try {
        d[s] = std::max<int64_t>(d[s], std::stoll(key.substr(prefix.size())) + 1);
      } catch (const std::exception&) {
      }
    }
  return d;
}

std::string depth_text(const std::array<int64_t, 4>& d) { return fmt::format("{}", fmt::join(d, ",")); }

}  // namespace

NamedTensors strip_module_prefix(NamedTensors state) {
  const bool wrapped = !state.empty() && std::all_of(state.begin(), state.end(), [](const auto& kv) {
    return starts_with(kv.first, "module.");
  });
  for (auto& [key, t] : state) {
    if (wrapped) key = key.substr(7);
    if (t.is_floating_point() && t.scalar_type() != torch::kFloat) t = t.to(torch::kFloat);  // fp16 releases
  }
  return state;
}

Backbone insightface_backbone_of(const NamedTensors& state, const std::string& origin) {
  std::map<std::string, bool> has;
  for (const auto& [key, t] : state) has[key] = true;
  if (has.count("conv_sep.layers.0.weight")) return Backbone::MobileFaceNet;
  if (!has.count("conv1.weight") || !has.count("layer1.0.bn1.weight"))
    throw Error(fmt::format("'{}' is not an insightface backbone state dict: it has neither IResNet's keys "
                            "(conv1.weight, layer1.0.bn1.weight) nor MobileFaceNet's (conv_sep.layers.0.weight); "
                            "first key '{}'",
                            origin, state.empty() ? std::string("(none)") : state.front().first));
  const auto d = depths_of(state);
  for (auto b : kIResNets)
    if (models::iresnet_layers(b) == d) return b;
  throw Error(fmt::format("'{}': IResNet with blocks per stage {} is none of arcface_torch's r18 (2,2,2,2), "
                          "r34 (3,4,6,3), r50 (3,4,14,3), r100 (3,13,30,3), r200 (6,26,60,6)",
                          origin, depth_text(d)));
}

int64_t insightface_embedding_size(const NamedTensors& state, const std::string& origin) {
  for (const auto& [key, t] : state)
    if (key == "features.weight" || key == "features.layers.3.weight") {
      if (t.dim() != 1) throw Error(fmt::format("'{}': {} is {}, expected 1-D [D]", origin, key, shape_text(t)));
      return t.size(0);
    }
  throw Error("'" + origin + "' has no features.weight (IResNet) or features.layers.3.weight (MobileFaceNet): "
              "not an insightface backbone state dict");
}

void load_insightface_state(models::FaceNetImpl& model, const NamedTensors& state, const std::string& origin) {
  const auto backbone = model.backbone_kind();
  if (!is_insightface(backbone))
    throw ConfigError("import: the insightface layout holds an IResNet or MobileFaceNet, not " + to_string(backbone));
  // A deeper or shallower IResNet (r100 weights for --backbone r50) is named as such first.
  if (backbone != Backbone::MobileFaceNet && state.size() > 0) {
    const auto found = depths_of(state);
    const auto expected = models::iresnet_layers(backbone);
    if (found != expected) {
      std::string match;
      for (auto b : kIResNets)
        if (models::iresnet_layers(b) == found) match = " = " + to_string(b);
      for (int s = 0; s < 4; ++s)
        if (found[s] != expected[s])
          throw Error(fmt::format("'{}' does not hold a {}: layer{} has {} blocks, expected {} (blocks per stage: "
                                  "expected {}, found {}{})",
                                  origin, to_string(backbone), s + 1, found[s], expected[s], depth_text(expected),
                                  depth_text(found), match));
    }
  }
  std::map<std::string, torch::Tensor> ours;
  for (const auto& p : model.named_parameters(true)) ours[models::to_port_key(p.key())] = p.value();
  for (const auto& b : model.named_buffers(true)) ours[models::to_port_key(b.key())] = b.value();
  std::map<std::string, bool> seen;
  torch::NoGradGuard no_grad;
  for (const auto& [key, t] : state) {
    auto it = ours.find(key);
    if (it == ours.end())
      throw Error(fmt::format("'{}': key '{}' has no place in a {} (expected insightface's names, e.g. '{}')", origin,
                              key, to_string(backbone), ours.begin()->first));
    if (it->second.sizes() != t.sizes())
      throw Error(fmt::format("'{}': {} is {} in the file, expected {} for a {} {}-d", origin, key, shape_text(t),
                              shape_text(it->second), to_string(backbone), model.embedding_size()));
    it->second.copy_(t.to(it->second.dtype()));
    seen[key] = true;
  }
  int64_t untracked = 0;
  for (const auto& [key, t] : ours) {
    if (seen.count(key)) continue;
    if (!ends_with(key, ".num_batches_tracked"))
      throw Error(fmt::format("'{}': key '{}' ({}) is missing: not a complete {} state dict", origin, key,
                              shape_text(t), to_string(backbone)));
    ++untracked;
  }
  if (untracked) spdlog::info("[import] {}: {} num_batches_tracked entries absent (set to 0)", origin, untracked);
}

}  // namespace facenet::exporting
