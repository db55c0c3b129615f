#include "facenet/train/init_weights.h"

#include <caffe2/serialize/inline_container.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <torch/script.h>
#include <torch/torch.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "facenet/checkpoint/checkpoint.h"
#include "facenet/core/crc32c.h"
#include "facenet/core/error.h"
#include "facenet/core/script_archive.h"
#include "facenet/core/zip_digest.h"
#include "facenet/infer/meta.h"
#include "facenet/losses/facenet_loss.h"
#include "facenet/models/graph.h"

namespace facenet::train {
namespace fs = std::filesystem;
namespace {

constexpr const char* kKey = "train.init_from";

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

std::string shape_text(const torch::Tensor& t) {
  std::ostringstream s;
  s << t.sizes();
  return s.str();
}

/// Parameters then buffers, recursively, under their registered names.
NamedTensors named_state(const torch::nn::Module& m) {
  NamedTensors out;
  for (const auto& p : m.named_parameters(true)) out.emplace_back(p.key(), p.value());
  for (const auto& b : m.named_buffers(true)) out.emplace_back(b.key(), b.value());
  return out;
}

/// A network of another backbone or embedding size is refused before any tensor is compared.
void check_network(const std::string& path, Backbone backbone, int64_t embedding_size, const models::FaceNetImpl& model) {
  if (backbone != model.backbone_kind())
    throw ConfigError(fmt::format("{}: '{}' holds a {} network, but this run's model.backbone is {}", kKey, path,
                                  to_string(backbone), to_string(model.backbone_kind())));
  if (embedding_size != model.embedding_size())
    throw ConfigError(fmt::format("{}: '{}' holds {}-d embeddings, but this run's model.embedding_size is {}", kKey,
                                  path, embedding_size, model.embedding_size()));
}

InitWeights from_checkpoint(const std::string& path, models::FaceNetImpl& model, bool with_head,
                            const std::string& head_name) {
  const auto checkpoint = Checkpoint::open(path);
  const auto& info = checkpoint.info();
  check_network(path, info.config.model.backbone, info.config.model.embedding_size, model);
  InitWeights w;
  w.kind = "checkpoint";
  w.backbone = info.config.model.backbone;
  auto source = models::make_model(info.config.model);
  if (with_head) {
    if (info.num_classes == 0 || !info.config.loss.has_head())
      throw ConfigError(fmt::format("train.init_head: '{}' has no classification head", path));
    if (info.config.loss.head != head_name)
      throw ConfigError(fmt::format("train.init_head: the head of '{}' is {}, this run's loss.head is {}", path,
                                    info.config.loss.head, head_name));
    losses::FaceNetLoss head(info.config.loss, info.num_classes, info.config.model.embedding_size);
    checkpoint.load_into(*source, head.ptr().get());
    w.head = named_state(*head);
    w.head_classes = info.num_classes;
    w.head_identities = info.state.identities;
  } else {
    checkpoint.load_into(*source);
  }
  w.network = named_state(*source);
  return w;
}

/// TorchScript registers each tensor under its module path with every non-alphanumeric
/// character replaced by '_' (models/graph_script.cpp).
std::string script_name(const std::string& key) {
  std::string out = key;
  for (auto& c : out)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return out;
}

InitWeights from_torchscript(const std::string& path, models::FaceNetImpl& model) {
  check_torch_archive(path);
  torch::jit::ExtraFilesMap extra{{"meta.json", ""}};
  torch::jit::Module module;
  try {
    module = torch::jit::load(path, torch::kCPU, extra);
  } catch (const std::exception& e) {
    throw Error(fmt::format("{}: '{}' is a corrupt TorchScript export: {}", kKey, path, error_message(e).substr(0, 200)));
  }
  const auto meta = infer::meta_from_json(extra["meta.json"], path + " (meta.json)");
  check_network(path, meta.backbone, meta.embedding_size, model);
  std::map<std::string, torch::Tensor> script;
  for (const auto& p : module.named_parameters(true)) script[p.name] = p.value;

  // An export with export.fold_bn has each BatchNorm folded into the convolution (or linear
  // layer) before it: the weight holds the scale and a bias appears. Such a BN comes back as
  // statistics-free (mean 0, var 1 - eps, gamma 1, beta = the folded bias), which computes the
  // same network at inference; its statistics restart once it trains.
  std::map<std::string, std::string> folded_into;  // BN module path -> the op it was folded into
  const auto graph = models::build_graph(model);
  std::map<int, const models::Op*> producer;
  for (const auto& op : graph.ops) producer[op.output] = &op;
  for (const auto& op : graph.ops)
    if (op.kind == models::OpKind::BatchNorm && !script.count(script_name(op.name + ".weight")))
      if (auto it = producer.find(op.inputs[0]); it != producer.end() && script.count(script_name(it->second->name + ".bias")))
        folded_into[op.name] = it->second->name;

  InitWeights w;
  w.kind = "torchscript export";
  w.backbone = meta.backbone;
  for (const auto& [key, ours] : named_state(model)) {
    if (auto it = script.find(script_name(key)); it != script.end()) {
      w.network.emplace_back(key, it->second);
      continue;
    }
    const auto dot = key.rfind('.');
    const auto module_path = key.substr(0, dot), leaf = key.substr(dot + 1);
    auto fold = folded_into.find(module_path);
    if (fold == folded_into.end()) continue;  // reported as missing by the shape check
    double eps = 1e-5;
    for (const auto& op : graph.ops)
      if (op.name == module_path) eps = op.value;
    const auto bias = script.at(script_name(fold->second + ".bias"));
    if (leaf == "weight") w.network.emplace_back(key, torch::ones_like(bias));
    if (leaf == "bias") w.network.emplace_back(key, bias);
    if (leaf == "running_mean") w.network.emplace_back(key, torch::zeros_like(bias));
    if (leaf == "running_var") w.network.emplace_back(key, torch::full_like(bias, 1.0 - eps));
  }
  if (!folded_into.empty())
    spdlog::warn("[train] {}: '{}' was exported with BatchNorm folded (export.fold_bn): {} BatchNorm layers start "
                 "as identity statistics (exact at inference; trained ones gather statistics anew). Export with "
                 "--set export.fold_bn=false, or start from the checkpoint, to keep them",
                 kKey, path, folded_into.size());
  return w;
}

InitWeights from_state_dict(const std::string& path, models::FaceNetImpl& model) {
  const auto state = read_state_dict(path);
  std::map<std::string, torch::Tensor> file(state.begin(), state.end());
  // The two layouts facenet-cpp writes (export.layout) say which backbone they hold.
  bool seed = false;
  for (const auto& [key, t] : file) seed = seed || key.rfind("backbone.model.", 0) == 0;
  const bool port = file.count("conv2d_1a.conv.weight") > 0;
  // arcface_torch's backbone.pth (or our insightface-layout export): our keys without `backbone.`.
  const bool insightface = file.count("conv_sep.layers.0.weight") > 0 ||
                           (file.count("conv1.weight") > 0 && file.count("layer1.0.bn1.weight") > 0);
  if (insightface) {
    if (!is_insightface(model.backbone_kind()))
      throw ConfigError(fmt::format("{}: '{}' holds an insightface network (IResNet or MobileFaceNet), but this "
                                    "run's model.backbone is {}",
                                    kKey, path, to_string(model.backbone_kind())));
    InitWeights w;
    w.kind = "state-dict (insightface layout)";
    w.backbone = model.backbone_kind();
    std::map<std::string, bool> used;
    for (const auto& [key, ours] : named_state(model))
      if (auto it = file.find(models::to_port_key(key)); it != file.end()) {
        w.network.emplace_back(key, it->second.to(torch::kFloat).to(ours.scalar_type()));
        used[it->first] = true;
      }
    for (const auto& [key, t] : file)
      if (!used.count(key))
        throw Error(fmt::format("{}: '{}' holds '{}', which this {} has no place for (another depth?)", kKey, path,
                                key, to_string(model.backbone_kind())));
    return w;
  }
  if (!seed && !port)
    throw Error(fmt::format("{}: '{}' is a state dict of no layout facenet-cpp reads (facenet-pytorch's "
                            "InceptionResnetV1 keys, or the seed layout's MobileNet keys)",
                            kKey, path));
  const auto backbone = seed ? Backbone::MobileNet : Backbone::InceptionResNetV1;
  const auto linear_key = seed ? models::to_seed_key("last_linear.weight") : models::to_port_key("last_linear.weight");
  const auto linear = file.find(linear_key);
  check_network(path, backbone, linear != file.end() && linear->second.dim() == 2 ? linear->second.size(0)
                                                                                   : model.embedding_size(), model);
  InitWeights w;
  w.kind = std::string("state-dict export (") + (seed ? "seed" : "facenet-pytorch") + " layout)";
  w.backbone = backbone;
  std::map<std::string, bool> used;
  for (const auto& [key, ours] : named_state(model)) {
    const auto file_key = seed ? models::to_seed_key(key) : models::to_port_key(key);
    if (auto it = file.find(file_key); it != file.end()) {
      w.network.emplace_back(key, it->second);
      used[file_key] = true;
    }
  }
  std::vector<std::string> unknown;
  for (const auto& [key, t] : file)
    if (!used.count(key) && key.rfind("logits.", 0) != 0) unknown.push_back(key);  // logits: facenet-pytorch's classifier
  if (!unknown.empty())
    throw Error(fmt::format("{}: '{}' holds {} tensor(s) this {} has no place for: {}{}", kKey, path, unknown.size(),
                            to_string(backbone), unknown.front(), unknown.size() > 1 ? ", ..." : ""));
  return w;
}

/// Every tensor of `expected` present in `got` with its shape; one line for the first problem.
void check_shapes(const std::string& path, const NamedTensors& got, const NamedTensors& expected,
                  const std::string& prefix) {
  std::map<std::string, torch::Tensor> have(got.begin(), got.end());
  std::vector<std::string> missing, mismatched;
  for (const auto& [key, t] : expected) {
    auto it = have.find(key);
    if (it == have.end()) {
      // BatchNorm's step counter plays no part in training or inference; older files lack it.
      if (!ends_with(key, ".num_batches_tracked")) missing.push_back(prefix + key);
      continue;
    }
    if (it->second.sizes() != t.sizes())
      mismatched.push_back(fmt::format("tensor {}{} is {} in '{}' but {} in this model", prefix, key,
                                       shape_text(it->second), path, shape_text(t)));
  }
  const auto more = [](std::size_t n) { return n > 1 ? fmt::format(" (and {} more)", n - 1) : std::string(); };
  if (!mismatched.empty()) throw Error(fmt::format("{}: {}{}", kKey, mismatched.front(), more(mismatched.size())));
  if (!missing.empty())
    throw Error(fmt::format("{}: '{}' has no tensor {}{}", kKey, path, missing.front(), more(missing.size())));
}

}  // namespace

std::string file_digest(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(fmt::format("{}: cannot read '{}'", kKey, path));
  std::vector<char> block(1 << 20);
  uint32_t crc = 0;
  while (in) {
    in.read(block.data(), static_cast<std::streamsize>(block.size()));
    crc = crc32c::extend(crc, block.data(), static_cast<size_t>(in.gcount()));
  }
  return fmt::format("crc32c:{:08x}", crc);
}

std::string identities_digest(const std::vector<std::string>& identities) {
  uint32_t crc = 0;
  for (const auto& name : identities) {
    crc = crc32c::extend(crc, name.data(), name.size());
    crc = crc32c::extend(crc, "\n", 1);
  }
  return fmt::format("{}:crc32c:{:08x}", identities.size(), crc);
}

InitWeights read_init_weights(const std::string& path, models::FaceNetImpl& model, bool with_head,
                              const std::string& head_name) {
  if (!fs::is_regular_file(path)) throw ConfigError(fmt::format("{}: '{}' does not exist", kKey, path));
  InitWeights w;
  try {
    std::string head(4, '\0');
    std::ifstream(path, std::ios::binary).read(head.data(), 4);
    bool zip = head == std::string("PK\x03\x04", 4);
    std::string kind = "state-dict";
    if (zip) {
      verify_zip(path);  // the content digest (or the zip's own entry CRCs): a damaged file stops here
      caffe2::serialize::PyTorchStreamReader reader(path);
      if (reader.hasRecord("extra/meta.json")) kind = "torchscript";
      else if (reader.hasRecord("constants.pkl")) kind = "checkpoint";  // torch::serialize archives are modules
    }
    if (with_head && kind != "checkpoint")
      throw ConfigError(fmt::format("train.init_head: '{}' is a {} file with no classification head (only a "
                                    "checkpoint has one)", path, kind));
    w = kind == "torchscript" ? from_torchscript(path, model)
        : kind == "checkpoint" ? from_checkpoint(path, model, with_head, head_name)
                               : from_state_dict(path, model);
  } catch (const ConfigError&) {
    throw;
  } catch (const std::exception& e) {
    const auto message = error_message(e);
    if (message.rfind(kKey, 0) == 0) throw;
    throw Error(fmt::format("{}: {}", kKey, message.substr(0, 300)));
  }
  w.path = path;
  w.digest = file_digest(path);
  check_shapes(path, w.network, named_state(model), "");
  return w;
}

void load_init_weights(const InitWeights& weights, models::FaceNetImpl& model, torch::nn::Module* head) {
  const auto copy_into = [&](const NamedTensors& from, torch::nn::Module& into, const std::string& prefix) {
    const auto ours = named_state(into);
    check_shapes(weights.path, from, ours, prefix);
    std::map<std::string, torch::Tensor> target(ours.begin(), ours.end());
    torch::NoGradGuard no_grad;
    for (const auto& [key, t] : from)
      if (auto it = target.find(key); it != target.end()) it->second.copy_(t.to(it->second.dtype()));
  };
  copy_into(weights.network, model, "");
  if (head && !weights.head.empty()) copy_into(weights.head, *head, "head.");
}

}  // namespace facenet::train
