#include "facenet/export/state_dict.h"

#include <spdlog/spdlog.h>
#include <torch/serialize.h>
#include <torch/torch.h>

#include <cstring>
#include <map>
#include <set>
#include <sstream>

#include "facenet/core/error.h"
#include "facenet/core/fs.h"
#include "facenet/export/export.h"
#include "export_formats.h"

namespace facenet::exporting {
namespace {

bool starts_with(const std::string& s, const std::string& p) { return s.rfind(p, 0) == 0; }

std::string shape_text(const torch::Tensor& t) {
  std::ostringstream s;
  s << t.sizes();
  return s.str();
}

// Our key -> tensor (parameters then buffers), in registration order.
NamedTensors own_state(models::FaceNetImpl& model) {
  NamedTensors out;
  for (const auto& p : model.named_parameters(true)) out.emplace_back(p.key(), p.value());
  for (const auto& b : model.named_buffers(true)) out.emplace_back(b.key(), b.value());
  return out;
}

}  // namespace

NamedTensors layout_state(models::FaceNetImpl& model, const std::string& layout_name) {
  const auto backbone = model.backbone_kind();
  // insightface's trunks are named as arcface_torch names them: its layout is ours without
  // `backbone.`, the same mapping as facenet-pytorch's (which is their default layout).
  const bool insightface = is_insightface(backbone);
  if (layout_name == "insightface" && !insightface)
    throw ConfigError("export.layout: insightface needs an IResNet or MobileFaceNet model (this one is " +
                      to_string(backbone) + "; use layout " +
                      (backbone == Backbone::MobileNet ? "seed" : "facenet-pytorch") + ")");
  if (insightface && layout_name != "insightface" && layout_name != "facenet-pytorch")
    throw ConfigError("export.layout: a " + to_string(backbone) + " model is written in the insightface layout (got '" +
                      layout_name + "')");
  const std::string layout = insightface ? "insightface" : layout_name;
  if (!insightface && layout == "facenet-pytorch" && backbone != Backbone::InceptionResNetV1)
    throw ConfigError("export.layout: facenet-pytorch needs an inception_resnet_v1 model (this one is " +
                      to_string(backbone) + "; use layout seed)");
  if (layout == "seed" && backbone != Backbone::MobileNet)
    throw ConfigError("export.layout: seed needs a mobilenet model (this one is " + to_string(backbone) +
                      "; use layout facenet-pytorch)");
  if (layout != "facenet-pytorch" && layout != "seed" && layout != "insightface")
    throw ConfigError("export.layout: unknown layout '" + layout + "' (expected facenet-pytorch, seed or insightface)");
  NamedTensors out;
  for (auto& [key, t] : own_state(model))
    out.emplace_back(layout == "seed" ? models::to_seed_key(key) : models::to_port_key(key),
                     t.detach().to(torch::kCPU).clone());
  return out;
}

void export_state_dict(models::FaceNetImpl& model, const std::string& layout, const std::string& path) {
  c10::Dict<std::string, at::Tensor> dict;
  for (auto& [key, t] : layout_state(model, layout)) dict.insert(key, t);
  const auto bytes = torch::pickle_save(c10::IValue(dict));
  write_file_atomic(path, std::string(bytes.begin(), bytes.end()));
}

void load_port_state(models::FaceNetImpl& model, const NamedTensors& state, const std::string& origin) {
  if (model.backbone_kind() != Backbone::InceptionResNetV1)
    throw ConfigError("import: the facenet-pytorch layout is Inception-ResNet-v1 only");
  std::map<std::string, torch::Tensor> ours;
  for (auto& [key, t] : own_state(model)) ours[models::to_port_key(key)] = t;
  std::vector<std::string> unknown, mismatched, ignored;
  std::set<std::string> seen;
  torch::NoGradGuard no_grad;
  for (const auto& [key, t] : state) {
    if (starts_with(key, "logits.")) {
      ignored.push_back(key);
      continue;
    }
    auto it = ours.find(key);
    if (it == ours.end()) {
      unknown.push_back(key);
      continue;
    }
    seen.insert(key);
    if (it->second.sizes() != t.sizes()) {
      mismatched.push_back(key + " (file " + shape_text(t) + ", model " + shape_text(it->second) + ")");
      continue;
    }
    it->second.copy_(t.to(it->second.dtype()));
  }
  // num_batches_tracked plays no part in inference and older exports lack it: tolerated.
  std::vector<std::string> missing;
  int64_t untracked = 0;
  for (const auto& [key, t] : ours) {
    if (seen.count(key)) continue;
    if (key.size() > 20 && key.compare(key.size() - 20, 20, ".num_batches_tracked") == 0)
      ++untracked;
    else
      missing.push_back(key);
  }
  if (untracked) spdlog::info("[import] {}: {} num_batches_tracked entries absent (set to 0)", origin, untracked);
  if (!ignored.empty())
    spdlog::info("[import] ignoring the classifier layer ({}) of {}", fmt::join(ignored, ", "), origin);
  if (!unknown.empty() || !missing.empty() || !mismatched.empty()) {
    std::string msg = "'" + origin + "' does not match an Inception-ResNet-v1 (facenet-pytorch layout):";
    auto add = [&msg](const char* what, const std::vector<std::string>& keys) {
      if (keys.empty()) return;
      msg += std::string("\n  ") + what + " (" + std::to_string(keys.size()) + "): ";
      for (size_t i = 0; i < keys.size() && i < 20; ++i) msg += (i ? ", " : "") + keys[i];
      if (keys.size() > 20) msg += ", ...";
    };
    add("unknown keys", unknown);
    add("missing keys", missing);
    add("shape mismatches", mismatched);
    throw Error(msg);
  }
}

infer::NetworkFormat state_dict_format() {
  infer::NetworkFormat f;
  f.name = "state-dict";
  f.kind = "state-dict export";
  f.description = "PyTorch name -> tensor dict for torch.load, keys of export.layout (facenet-pytorch | seed | "
                  "insightface); weights only";
  f.extension = ".pt";
  f.write = [](models::FaceNetImpl& model, const infer::ExportMeta&, const ExportConfig& config, const std::string& path) {
    export_state_dict(model, config.layout, path);
    return config.layout;
  };
  return f;
}

}  // namespace facenet::exporting
