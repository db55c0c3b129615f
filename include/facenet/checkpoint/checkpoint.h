#pragma once
// Single-file checkpoints holding everything a run needs to continue: model, classification
// head, optimiser, RNG, sampler and schedule position, and the resolved config (which carries
// the preprocessing spec). Written atomically (temp + rename). Below train, eval and export:
// depends on core only.
#include <torch/nn/module.h>
#include <torch/optim/optimizer.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "facenet/core/config.h"

namespace facenet {

/// Where a run stands; serialised as JSON inside each checkpoint.
struct TrainingState {
  int64_t epoch = 0;          ///< completed epochs
  int64_t step = 0;           ///< completed optimiser steps
  double best_accuracy = -1;  ///< best held-out verification accuracy so far (-1 = none)
  double last_accuracy = -1;
  double threshold_at_far = 0;  ///< verification threshold calibrated at eval.far_target
  std::string sampler;          ///< the batch sampler's serialised state (global batches)
  int64_t world_size = 1;       ///< training processes that wrote it (resume may use another number)
  /// fp16 training's dynamic loss scale and its clean-step count (train/grad_scaler.h).
  double loss_scale = 65536.0;
  int64_t loss_scale_growth_tracker = 0;
  /// The identity list the classification head was trained for (a digest; "" = not recorded):
  /// train.init_head keeps a head only for the same list.
  std::string identities;
  /// A fine-tuning run's accuracy per evaluated set before its first step (set name -> accuracy),
  /// kept so that a resumed run still reports before and after.
  std::vector<std::pair<std::string, double>> baseline;
};

/// What a checkpoint says about itself (no module is built from its tensors).
struct CheckpointInfo {
  Config config;
  TrainingState state;
  int64_t num_classes = 0;
};

struct CheckpointParts {
  const Config& config;
  const TrainingState& state;
  int64_t num_classes;
  torch::nn::Module& model;
  torch::nn::Module* head = nullptr;               ///< classification head, when the loss has one
  torch::optim::Optimizer* optimizer = nullptr;
};

/// Writes `path` atomically; the previous file at `path` survives any failure.
void save_checkpoint(const std::string& path, const CheckpointParts& parts);

/// A checkpoint file read once: info() from its metadata, load_into() from the same read.
class Checkpoint {
 public:
  /// Reads and checks the file: its content digest (CRC-32C, core/zip_digest.h), then its
  /// metadata. Throws facenet::Error naming it when it is missing, damaged, not a facenet
  /// checkpoint, or corrupt; ConfigError when its embedded config is invalid.
  static Checkpoint open(const std::string& path);

  const std::string& path() const { return path_; }
  /// False for a checkpoint written before digests were recorded (then nothing was verified).
  bool digest_verified() const { return intact_; }
  const CheckpointInfo& info() const { return info_; }

  /// The embedded config with `overrides` (`key=value`) applied and validated once. Keys that
  /// define the network, its head or the sampled stream (resume_fixed_keys()) may be given only
  /// with their stored value; a change is a ConfigError naming the key.
  Config config_for_resume(const std::vector<std::string>& overrides) const;

  /// Loads weights (and head/optimiser/RNG when given). Throws facenet::Error when the
  /// checkpoint does not fit the given modules.
  void load_into(torch::nn::Module& model, torch::nn::Module* head = nullptr,
                 torch::optim::Optimizer* optimizer = nullptr, bool restore_rng = false) const;

  /// RUN_DIR of RUN_DIR/checkpoints/NAME.pt (where a resumed run keeps writing).
  std::string run_dir() const;

 private:
  struct Archive;
  std::string path_;
  bool intact_ = false;
  CheckpointInfo info_;
  std::shared_ptr<Archive> archive_;
};

/// The keys a resumed run cannot change: the backbone and embedding size, loss.head, the
/// preprocessing, the sampler kind, the validation split, the identity filter, the optimiser
/// kind and the seed. Every other key (schedule, lr, batch sizes, evaluation, data location,
/// threads, ...) may change on resume; loss.triplet_weight may, but not to or from 0.
const std::vector<std::string>& resume_fixed_keys();

/// Resolves `--resume RUN_DIR|CHECKPOINT` to a checkpoint file (RUN_DIR/checkpoints/last.pt).
std::string resolve_resume(const std::string& run_dir_or_checkpoint);

/// Convenience: Checkpoint::open(path).info().
CheckpointInfo read_checkpoint_info(const std::string& path);
/// Convenience: Checkpoint::open(path).load_into(...).
void load_checkpoint(const std::string& path, torch::nn::Module& model, torch::nn::Module* head = nullptr,
                     torch::optim::Optimizer* optimizer = nullptr, bool restore_rng = false);

}  // namespace facenet
