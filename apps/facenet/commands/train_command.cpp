#include "commands/common.h"
#include "facenet/tasks/train_task.h"

namespace facenet::cli {

void register_train(CLI::App& app) {
  auto* cmd = app.add_subcommand("train", "Train from a config; --resume continues a run exactly where it stopped");
  auto o = std::make_shared<tasks::TrainTaskOptions>();
  auto config = std::make_shared<ConfigOptions>();
  config->add_to(cmd);
  cmd->add_option("--resume", o->resume,
                  "RUN_DIR (uses RUN_DIR/checkpoints/last.pt) or a checkpoint file; --set may change the schedule, "
                  "evaluation, data location and threads, not the network (--config is refused)");
  cmd->add_option("--nproc", o->nproc,
                  "data-parallel training in N local processes (ranks on 127.0.0.1; train.batch_size is per process). "
                  "Under torchrun/srun leave it out: RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT are read")
      ->check(CLI::Range(1, 1024));
  cmd->callback([o, config] {
    o->config_path = config->config_path;
    o->overrides = config->overrides;
    if (const int code = tasks::run_train(*o); code != 0) std::exit(code);
  });
}

}  // namespace facenet::cli
