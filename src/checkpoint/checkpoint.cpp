#include "facenet/checkpoint/checkpoint.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/serialize.h>
#include <torch/torch.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "facenet/core/config_yaml.h"
#include "facenet/core/error.h"
#include "facenet/core/fs.h"
#include "facenet/core/script_archive.h"
#include "facenet/core/zip_digest.h"
#include "archive_shape.h"

namespace facenet {
namespace fs = std::filesystem;
namespace {

constexpr const char* kFormat = "facenet-cpp checkpoint v1";

std::string state_to_json(const TrainingState& s, int64_t num_classes) {
  nlohmann::json j{{"format", kFormat},         {"epoch", s.epoch},
                   {"step", s.step},            {"best_accuracy", s.best_accuracy},
                   {"last_accuracy", s.last_accuracy}, {"threshold_at_far", s.threshold_at_far},
                   {"sampler", s.sampler},      {"num_classes", num_classes},
                   {"world_size", s.world_size}, {"loss_scale", s.loss_scale},
                   {"loss_scale_growth_tracker", s.loss_scale_growth_tracker}};
  if (!s.identities.empty()) j["identities"] = s.identities;
  if (!s.baseline.empty()) {
    auto& b = j["baseline"] = nlohmann::json::array();
    for (const auto& [name, accuracy] : s.baseline) b.push_back({{"set", name}, {"accuracy", accuracy}});
  }
  return j.dump();
}

std::string read_string(torch::serialize::InputArchive& ar, const std::string& key) {
  c10::IValue value;
  if (!ar.try_read(key, value) || !value.isString()) throw Error("missing '" + key + "'");
  return value.toStringRef();
}

}  // namespace

struct Checkpoint::Archive {
  torch::serialize::InputArchive archive;
};

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
  write_atomic_with(path, [&](const std::string& tmp) {
    // LibTorch's own file writer throws from a destructor when a write fails (a full disk
    // ends the process); writing through our callback, the failure is ours to report.
    std::FILE* file = std::fopen(tmp.c_str(), "wb");
    if (!file) throw Error(std::string(std::strerror(errno)));
    int failed = 0;
    root.save_to([&](const void* data, size_t n) -> size_t {
      if (failed == 0 && std::fwrite(data, 1, n, file) != n) failed = errno ? errno : EIO;
      return n;
    });
    if (std::fflush(file) != 0 && failed == 0) failed = errno ? errno : EIO;
    if (std::fclose(file) != 0 && failed == 0) failed = errno ? errno : EIO;
    if (failed != 0) throw Error(std::strerror(failed));
    seal_zip(tmp);  // the content digest Checkpoint::open verifies
  });
}

Checkpoint Checkpoint::open(const std::string& path) {
  if (!fs::exists(path)) throw Error("checkpoint '" + path + "' does not exist");
  Checkpoint c;
  c.path_ = path;
  c.intact_ = verify_zip(path) == DigestCheck::Intact;  // throws, naming the file, when damaged
  if (!c.intact_) {
    spdlog::debug("'{}' has no content digest (written before facenet-cpp recorded one)", path);
    checkpoint_detail::check_output_archive_shape(path);  // unsealed: vet what the parser will see
    check_torch_archive(path);
  }
  c.archive_ = std::make_shared<Archive>();
  auto& ar = c.archive_->archive;
  try {
    ar.load_from(path);
  } catch (const std::exception& e) {
    // c10::Error, and std::runtime_error from the TorchScript parser for a damaged code/ record.
    throw Error("'" + path + "' is not a readable facenet checkpoint (corrupt or another kind of file): " +
                error_message(e).substr(0, 200));
  }
  try {
    const auto meta = nlohmann::json::parse(read_string(ar, "meta"));
    if (meta.value("format", "") != kFormat) throw Error("unknown format");
    auto& s = c.info_.state;
    s.epoch = meta.at("epoch");
    s.step = meta.at("step");
    s.best_accuracy = meta.at("best_accuracy");
    s.last_accuracy = meta.at("last_accuracy");
    s.threshold_at_far = meta.at("threshold_at_far");
    s.sampler = meta.at("sampler");
    s.world_size = meta.value("world_size", int64_t{1});  // absent before distributed training
    s.loss_scale = meta.value("loss_scale", 65536.0);    // absent before mixed precision
    s.loss_scale_growth_tracker = meta.value("loss_scale_growth_tracker", int64_t{0});
    s.identities = meta.value("identities", std::string());  // absent before fine-tuning
    if (meta.contains("baseline"))
      for (const auto& b : meta.at("baseline")) s.baseline.emplace_back(b.at("set"), b.at("accuracy"));
    c.info_.num_classes = meta.at("num_classes");
    c.info_.config = load_config_text(read_string(ar, "config"), path + " (embedded config)");
  } catch (const ConfigError&) {
    throw;
  } catch (const std::exception& e) {
    throw Error("'" + path + "' is not a facenet checkpoint: " + error_message(e));
  }
  return c;
}

const std::vector<std::string>& resume_fixed_keys() {
  static const std::vector<std::string> keys{
      "model.backbone",    "model.embedding_size",     "loss.head",     "data.preprocess.image_size",
      "data.preprocess.center_crop", "data.preprocess.resize", "data.preprocess.normalization",
      "data.preprocess.channel_order", "data.sampler", "data.val_split", "data.val_split_by",
      "data.include_identities", "train.optimizer", "runtime.seed", "train.init_from", "train.init_digest",
      "train.init_head", "train.freeze", "train.trainable_from", "train.lr_mult"};
  return keys;
}

namespace {

/// The fixed keys whose values differ between `a` and `b`.
std::vector<std::string> changed_fixed_keys(const Config& a, const Config& b) {
  const auto &pa = a.data.preprocess, &pb = b.data.preprocess;
  const std::vector<std::pair<const char*, bool>> same{
      {"model.backbone", a.model.backbone == b.model.backbone},
      {"model.embedding_size", a.model.embedding_size == b.model.embedding_size},
      {"loss.head", a.loss.head == b.loss.head},
      // Its value may change, but not to or from 0: the term decides how batches are sampled.
      {"loss.triplet_weight", a.loss.has_triplet_term() == b.loss.has_triplet_term()},
      {"data.preprocess.image_size", pa.image_size == pb.image_size},
      {"data.preprocess.center_crop", pa.center_crop == pb.center_crop},
      {"data.preprocess.resize", pa.resize == pb.resize},
      {"data.preprocess.normalization", pa.normalization == pb.normalization},
      {"data.preprocess.channel_order", pa.channel_order == pb.channel_order},
      {"data.sampler", a.data.sampler == b.data.sampler},
      {"data.val_split", a.data.val_split == b.data.val_split},
      {"data.val_split_by", a.data.val_split_by == b.data.val_split_by},
      {"data.include_identities", a.data.include_identities == b.data.include_identities},
      {"train.optimizer", a.train.optimizer == b.train.optimizer},
      {"runtime.seed", a.runtime.seed == b.runtime.seed},
      // A resumed run continues from its checkpoint, never again from train.init_from; freezing
      // and the rate groups shape the optimiser state the checkpoint holds.
      {"train.init_from", a.train.init_from == b.train.init_from},
      {"train.init_digest", a.train.init_digest == b.train.init_digest},
      {"train.init_head", a.train.init_head == b.train.init_head},
      {"train.freeze", a.train.freeze == b.train.freeze},
      {"train.trainable_from", a.train.trainable_from == b.train.trainable_from},
      {"train.lr_mult", a.train.lr_mult == b.train.lr_mult}};
  std::vector<std::string> changed;
  for (const auto& [key, unchanged] : same)
    if (!unchanged) changed.emplace_back(key);
  return changed;
}

}  // namespace

Config Checkpoint::config_for_resume(const std::vector<std::string>& overrides) const {
  if (overrides.empty()) return info_.config;
  auto config = info_.config;
  apply_overrides(config, overrides);
  const auto changed = changed_fixed_keys(info_.config, config);
  if (!changed.empty()) {
    std::string keys;
    for (const auto& k : changed) keys += (keys.empty() ? "" : ", ") + k;
    throw ConfigError("--set " + keys + ": cannot change on --resume (it defines the network, its head or the " +
                      "sampled data of " + path_ + "); start a new run with --config instead");
  }
  return config;
}

void Checkpoint::load_into(torch::nn::Module& model, torch::nn::Module* head, torch::optim::Optimizer* optimizer,
                           bool restore_rng) const {
  auto& ar = archive_->archive;
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
  } catch (const std::exception& e) {
    throw Error("cannot load '" + path_ + "' into this model (different backbone, embedding size or classes?): " +
                error_message(e).substr(0, 300));
  }
}

std::string Checkpoint::run_dir() const {
  // RUN/checkpoints/last.pt -> RUN
  return fs::absolute(path_).parent_path().parent_path().string();
}

std::string resolve_resume(const std::string& target) {
  if (fs::is_directory(target)) {
    const auto last = fs::path(target) / "checkpoints" / "last.pt";
    if (!fs::exists(last)) throw Error("no checkpoint to resume in '" + target + "' (expected " + last.string() + ")");
    return last.string();
  }
  if (!fs::exists(target)) throw Error("resume target '" + target + "' does not exist");
  return target;
}

CheckpointInfo read_checkpoint_info(const std::string& path) { return Checkpoint::open(path).info(); }

void load_checkpoint(const std::string& path, torch::nn::Module& model, torch::nn::Module* head,
                     torch::optim::Optimizer* optimizer, bool restore_rng) {
  Checkpoint::open(path).load_into(model, head, optimizer, restore_rng);
}

}  // namespace facenet
