#pragma once
// `facenet train`: builds data, model, loss and optimiser from a Config and runs the loop
// with periodic verification, checkpoints, metrics and full-state resume.
#include <atomic>
#include <string>

#include "facenet/core/config.h"

namespace facenet::train {

struct TrainResult {
  std::string run_dir;
  std::string last_checkpoint;
  std::string best_checkpoint;  ///< empty when no evaluation ran
  int64_t steps = 0;
  double final_accuracy = -1;   ///< last held-out verification accuracy (-1 = none)
  int stop_signal = 0;          ///< SIGINT/SIGTERM that ended the run early, else 0
  int rank = 0;                 ///< this process's rank in a distributed run (0 = the one that writes)
};

struct TrainOptions {
  std::string resume_checkpoint;  ///< continue from this checkpoint (its run folder is reused)
  /// Set asynchronously (e.g. by a signal handler) to stop after the current step and save.
  const std::atomic<int>* stop_signal = nullptr;
  /// Stop (saving last.pt, as for a signal) once this many steps are done; 0 = never.
  /// Simulates an interrupted run without changing the schedule (tests, preemptible jobs).
  int64_t stop_after_steps = 0;
};

/// Resolves `--resume RUN_DIR|CHECKPOINT` to a checkpoint file (RUN_DIR/checkpoints/last.pt).
std::string resolve_resume(const std::string& run_dir_or_checkpoint);

/// Trains. Under a distributed launch (RANK/WORLD_SIZE/MASTER_ADDR/MASTER_PORT in the
/// environment, see launch_env.h) this process is one data-parallel rank: it trains on its
/// share of each global batch of train.batch_size x WORLD_SIZE, gradients are averaged over
/// the ranks, and only rank 0 writes the run folder. Throws facenet::Error on a non-finite
/// loss (naming the step; the last good checkpoint stays intact) or when another rank fails,
/// ConfigError on bad settings.
TrainResult train(const Config& config, const TrainOptions& options = {});

}  // namespace facenet::train
