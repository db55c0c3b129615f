#pragma once
// Single-file checkpoints holding everything a run needs to continue: model,
// classification head, optimiser, RNG, sampler and schedule position, the resolved
// config (which carries the preprocessing spec). Written atomically (temp + rename).
#include <torch/nn/module.h>
#include <torch/optim/optimizer.h>

#include <string>

#include "facenet/core/config.h"

namespace facenet::train {

/// Where a run stands; serialised as JSON inside each checkpoint.
struct TrainingState {
  int64_t epoch = 0;          ///< completed epochs
  int64_t step = 0;           ///< completed optimiser steps
  double best_accuracy = -1;  ///< best held-out verification accuracy so far (-1 = none)
  double last_accuracy = -1;
  double threshold_at_far = 0;  ///< verification threshold calibrated at eval.far_target
  std::string sampler;          ///< the batch sampler's serialised state (global batches)
  int64_t world_size = 1;       ///< training processes that wrote it (resume may use another number)
};

/// What a checkpoint says about itself without loading tensors.
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

/// Reads config, state and class count. Throws facenet::Error naming the file when it is
/// missing, not a facenet checkpoint, or corrupt.
CheckpointInfo read_checkpoint_info(const std::string& path);

/// Loads weights (and head/optimiser/RNG when given) saved by save_checkpoint.
void load_checkpoint(const std::string& path, torch::nn::Module& model, torch::nn::Module* head = nullptr,
                     torch::optim::Optimizer* optimizer = nullptr, bool restore_rng = false);

}  // namespace facenet::train
