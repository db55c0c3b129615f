#include <csignal>
#include <iostream>

#include "commands/common.h"
#include "facenet/core/error.h"
#include "facenet/core/config_yaml.h"
#include "facenet/core/logging.h"
#include "facenet/train/checkpoint_config.h"
#include "facenet/train/launcher.h"
#include "facenet/train/trainer.h"

namespace facenet::cli {
namespace {
// Signal handlers can only reach process-wide state; the trainer polls this after each step.
std::atomic<int> g_stop_signal{0};
void on_signal(int sig) { g_stop_signal.store(sig); }
}  // namespace

void register_train(CLI::App& app) {
  auto* cmd = app.add_subcommand("train", "Train from a config; --resume continues a run exactly where it stopped");
  struct Options {
    ConfigOptions config;
    std::string resume;
    int nproc = 1;
  };
  auto o = std::make_shared<Options>();
  o->config.add_to(cmd);
  cmd->add_option("--resume", o->resume, "RUN_DIR (uses RUN_DIR/checkpoints/last.pt) or a checkpoint file");
  cmd->add_option("--nproc", o->nproc,
                  "data-parallel training in N local processes (ranks on 127.0.0.1; train.batch_size is per process). "
                  "Under torchrun/srun leave it out: RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT are read")
      ->check(CLI::Range(1, 1024));
  cmd->callback([o] {
    train::TrainOptions options;
    Config config;
    if (!o->resume.empty()) {
      // Precedence on resume: checkpoint's config < --set overrides.
      options.resume_checkpoint = train::resolve_resume(o->resume);
      config = train::checkpoint_config(options.resume_checkpoint);
      apply_overrides(config, o->config.overrides);
    } else {
      if (o->config.config_path.empty()) throw ConfigError("train needs --config FILE (or --resume RUN_DIR)");
      config = o->config.load();
    }
    if (o->nproc > 1) {
      // The config was checked once here; each worker re-reads it with the same arguments.
      setup_logging(config.runtime.log_level);
      if (const int code = train::run_local_workers(o->nproc); code != 0) std::exit(code);
      return;
    }
    start_runtime(config);
    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);
    options.stop_signal = &g_stop_signal;
    const auto result = train::train(config, options);
    if (result.rank == 0) {  // rank 0 reports for a distributed run
      std::cout << "run folder: " << result.run_dir << "\n";
      std::cout << "last checkpoint: " << result.last_checkpoint << "\n";
      if (!result.best_checkpoint.empty()) std::cout << "best checkpoint: " << result.best_checkpoint << "\n";
      if (result.final_accuracy >= 0) std::cout << "final verification accuracy: " << result.final_accuracy << "\n";
    }
    if (result.stop_signal != 0) std::exit(128 + result.stop_signal);
  });
}

}  // namespace facenet::cli
