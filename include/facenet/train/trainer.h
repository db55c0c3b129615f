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

/// Trains. Throws facenet::Error on a non-finite loss (naming the step; the last good
/// checkpoint stays intact), ConfigError on bad settings.
TrainResult train(const Config& config, const TrainOptions& options = {});

}  // namespace facenet::train
