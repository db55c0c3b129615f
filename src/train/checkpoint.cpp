#include "facenet/train/checkpoint.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/serialize.h>
#include <torch/torch.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "facenet/core/config_yaml.h"
#include "facenet/core/error.h"
#include "facenet/core/fs.h"

namespace facenet::train {
namespace {

constexpr const char* kFormat = "facenet-cpp checkpoint v1";

std::string state_to_json(const TrainingState& s, int64_t num_classes) {
  nlohmann::json j{{"format", kFormat},         {"epoch", s.epoch},
                   {"step", s.step},            {"best_accuracy", s.best_accuracy},
                   {"last_accuracy", s.last_accuracy}, {"threshold_at_far", s.threshold_at_far},
                   {"sampler", s.sampler},      {"num_classes", num_classes},
                   {"world_size", s.world_size}};
  return j.dump();
}

std::string read_string(torch::serialize::InputArchive& ar, const std::string& key) {
  c10::IValue value;
  if (!ar.try_read(key, value) || !value.isString()) throw Error("missing '" + key + "'");
  return value.toStringRef();
}

torch::serialize::InputArchive open(const std::string& path) {
  if (!std::filesystem::exists(path)) throw Error("checkpoint '" + path + "' does not exist");
  torch::serialize::InputArchive ar;
  try {
    ar.load_from(path);
  } catch (const c10::Error& e) {
    throw Error("'" + path + "' is not a readable facenet checkpoint (corrupt or another kind of file)");
  }
  return ar;
}

}  // namespace

void save_checkpoint(const std::string& path, const CheckpointParts& parts) {
  torch::serialize::OutputArchive root;
  root.write("meta", c10::IValue(state_to_json(parts.state, parts.num_classes)));
  root.write("config", c10::IValue(to_yaml(parts.config)));
  torch::serialize::OutputArchive model;
  parts.model.save(model);
  root.write("model", model);
  if (parts.head) {
    torch::serialize::OutputArchive head;
    parts.head->save(head);
    root.write("head", head);
  }
  if (parts.optimizer) {
    torch::serialize::OutputArchive optimizer;
    parts.optimizer->save(optimizer);
    root.write("optimizer", optimizer);
  }
  {
    auto gen = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(gen.mutex());
    root.write("rng", gen.get_state());
  }
  write_atomic_with(path, [&](const std::string& tmp) { root.save_to(tmp); });
}

CheckpointInfo read_checkpoint_info(const std::string& path) {
  auto ar = open(path);
  CheckpointInfo info;
  try {
    const auto meta = nlohmann::json::parse(read_string(ar, "meta"));
    if (meta.value("format", "") != kFormat) throw Error("unknown format");
    info.state.epoch = meta.at("epoch");
    info.state.step = meta.at("step");
    info.state.best_accuracy = meta.at("best_accuracy");
    info.state.last_accuracy = meta.at("last_accuracy");
    info.state.threshold_at_far = meta.at("threshold_at_far");
    info.state.sampler = meta.at("sampler");
    info.state.world_size = meta.value("world_size", int64_t{1});  // absent before distributed training
    info.num_classes = meta.at("num_classes");
    info.config = load_config_text(read_string(ar, "config"), path + " (embedded config)");
  } catch (const ConfigError&) {
    throw;
  } catch (const std::exception& e) {
    throw Error("'" + path + "' is not a facenet checkpoint: " + e.what());
  }
  return info;
}

void load_checkpoint(const std::string& path, torch::nn::Module& model, torch::nn::Module* head,
                     torch::optim::Optimizer* optimizer, bool restore_rng) {
  auto ar = open(path);
  try {
    torch::serialize::InputArchive sub;
    ar.read("model", sub);
    model.load(sub);
    if (head) {
      torch::serialize::InputArchive h;
      ar.read("head", h);
      head->load(h);
    }
    if (optimizer) {
      torch::serialize::InputArchive o;
      ar.read("optimizer", o);
      optimizer->load(o);
    }
    if (restore_rng) {
      torch::Tensor state;
      ar.read("rng", state);
      auto gen = at::detail::getDefaultCPUGenerator();
      std::lock_guard<std::mutex> lock(gen.mutex());
      gen.set_state(state);
    }
  } catch (const c10::Error& e) {
    throw Error("cannot load '" + path + "' into this model (different backbone, embedding size or classes?): " +
                std::string(e.what_without_backtrace()).substr(0, 300));
  }
}

}  // namespace facenet::train

#include "facenet/train/checkpoint_config.h"

namespace facenet::train {
Config checkpoint_config(const std::string& path) { return read_checkpoint_info(path).config; }
}  // namespace facenet::train
