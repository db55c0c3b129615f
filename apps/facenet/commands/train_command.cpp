#include "commands/common.h"
#include "facenet/tasks/train_task.h"
#include "logging_setup.h"

namespace facenet::cli {

void register_train(CLI::App& app) {
  auto* cmd = app.add_subcommand("train", "Train from a config; --resume continues a run exactly where it stopped");
  auto o = std::make_shared<tasks::TrainTaskOptions>();
  o->on_run_folder = [](const std::string& run_dir) { log_to_file(run_dir + "/train.log"); };
  add_config_options(cmd, o->config_path, o->overrides);
  cmd->add_option("--resume", o->resume,
                  "RUN_DIR (uses RUN_DIR/checkpoints/last.pt) or a checkpoint file; --set may change the schedule, "
                  "evaluation, data location and threads, not the network (--config is refused)");
  cmd->add_option("--nproc", o->nproc,
                  "data-parallel training in N local processes (ranks on 127.0.0.1; train.batch_size is per process). "
                  "Under torchrun/srun leave it out: RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT are read")
      ->check(CLI::Range(1, 1024));
  cmd->callback([o] {
    // A failed worker's status, or 128 + signal after SIGINT/SIGTERM saved the run.
    if (const int code = tasks::run_train(*o); code != 0) exit_with(code);
  });
}

}  // namespace facenet::cli
