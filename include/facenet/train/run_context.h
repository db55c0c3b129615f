#pragma once
// What one training process sets up once, before any data or model: where it sits in a launch,
// its threads and allocator, the seed, the device, the collectives, the run folder and the log
// file. Made once per process; the Trainer takes it.
#include <torch/types.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "facenet/core/config.h"
#include "facenet/core/runtime.h"
#include "facenet/train/distributed.h"
#include "facenet/train/launch_env.h"

namespace facenet::train {

/// Called on rank 0 once the run folder exists (config.yaml written), before the run logs a
/// line: where the program attaches <run_dir>/train.log (facenet::log_file_sink) to its logger.
/// The library adds no log sink itself.
using OnRunFolder = std::function<void(const std::filesystem::path& run_dir)>;

struct RunContext {
  /// Reads the launch environment, applies runtime settings (threads shared between the
  /// processes of a host, freed memory kept mapped, seed, device), joins the process group
  /// when distributed, and prepares the run folder: `run_dir` when given (a resumed run's),
  /// else train.output_dir, else runs/<train.name>-<timestamp>. Rank 0 alone creates it, writes
  /// config.yaml and calls `on_run_folder` (when given). `config` must be validated.
  static std::shared_ptr<RunContext> create(const Config& config, const std::string& run_dir = "",
                                            const OnRunFolder& on_run_folder = {});

  LaunchEnv launch;
  RuntimeInfo runtime;
  torch::Device device{torch::kCPU};
  std::unique_ptr<Distributed> dist;  ///< null in a single-process run
  std::filesystem::path run_dir;
  int data_workers = 1;                ///< this process's decode threads (data.workers resolved)

  bool is_main() const { return !dist || dist->is_main(); }
  int world() const { return dist ? dist->world_size() : 1; }
};

}  // namespace facenet::train
