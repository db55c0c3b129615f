#pragma once
// `facenet train`: config or resume, local multi-process launch, signals, the Trainer.
#include <functional>
#include <string>
#include <vector>

namespace facenet::tasks {

struct TrainTaskOptions {
  std::string config_path;             ///< --config (refused together with resume)
  std::vector<std::string> overrides;  ///< --set key=value (on resume: resume_overridable_keys() only)
  std::string resume;                  ///< --resume RUN_DIR|CHECKPOINT
  int nproc = 1;                       ///< --nproc: local data-parallel processes
  /// Called on rank 0 once the run folder exists (after the run's preflight passed): where the
  /// caller attaches <run_dir>/train.log to its logger (facenet::log_file_sink; the library adds
  /// none). Lines logged before it are the caller's to replay (train::OnRunFolder).
  std::function<void(const std::string& run_dir)> on_run_folder;
};

/// Runs the command and returns the process exit code (0, a failed worker's code, or
/// 128 + signal after SIGINT/SIGTERM saved the run). Prints the run folder, checkpoints and
/// final accuracy on rank 0. Sets the default logger's level to runtime.log_level. Throws
/// ConfigError/Error with a one-line message.
int run_train(const TrainTaskOptions& options);

}  // namespace facenet::tasks
