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

/// Called on rank 0 once the run folder exists (config.yaml written): where the program
/// attaches <run_dir>/train.log (facenet::log_file_sink) to its logger. The library adds no log
/// sink itself. Lines logged before it (the preflight: data, model, evaluation sets) are the
/// program's to replay (the CLI keeps them in a ring buffer; apps/facenet/logging_setup.h).
using OnRunFolder = std::function<void(const std::filesystem::path& run_dir)>;

struct RunContext {
  /// Reads the launch environment, applies runtime settings (threads shared between the
  /// processes of a host, freed memory kept mapped, seed, device), joins the process group
  /// when distributed, and names the run folder: `run_dir` when given (a resumed run's), else
  /// train.output_dir, else runs/<train.name>-<timestamp>. Nothing is written yet: the folder is
  /// made by open_run_folder, which the Trainer calls once every check that depends on the
  /// device, the data or the config has passed, so a refused run leaves no folder behind.
  /// `config` must be validated.
  static std::shared_ptr<RunContext> create(const Config& config, const std::string& run_dir = "",
                                            OnRunFolder on_run_folder = {});

  /// Rank 0 creates the run folder (removing temporaries a killed run left), writes
  /// config.yaml and calls the OnRunFolder callback. Once; later calls do nothing.
  void open_run_folder(const Config& config);

  LaunchEnv launch;
  RuntimeInfo runtime;
  torch::Device device{torch::kCPU};
  std::unique_ptr<Distributed> dist;  ///< null in a single-process run
  std::filesystem::path run_dir;
  int data_workers = 1;                ///< this process's decode threads (data.workers resolved)
  /// run_dir was given (a resumed run's): the trainer's weights come from its checkpoint, so
  /// train.init_from is not read again (it may have moved since).
  bool resuming = false;

  bool is_main() const { return !dist || dist->is_main(); }
  int world() const { return dist ? dist->world_size() : 1; }

 private:
  OnRunFolder on_run_folder_;
  bool folder_open_ = false;
};

}  // namespace facenet::train
