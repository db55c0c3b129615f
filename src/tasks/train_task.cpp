#include "facenet/tasks/train_task.h"

#include <fmt/format.h>

#include <iostream>

#include "facenet/checkpoint/checkpoint.h"
#include "facenet/core/config_yaml.h"
#include "facenet/core/error.h"
#include "facenet/core/logging.h"
#include "facenet/core/signals.h"
#include "facenet/losses/head_registry.h"
#include "facenet/tasks/launcher.h"
#include "facenet/train/trainer.h"

namespace facenet::tasks {

int run_train(const TrainTaskOptions& o) {
  Config config;
  std::optional<Checkpoint> checkpoint;
  if (!o.resume.empty()) {
    if (!o.config_path.empty())
      throw ConfigError("--config cannot be combined with --resume: a resumed run continues with the config in its "
                        "checkpoint. Change what may change with --set (schedule length, lr schedule, evaluation, "
                        "data location, threads; see README 'Resuming'), or start a new run with --config");
    for (const auto& assignment : o.overrides)
      if (assignment.rfind("train.init_from=", 0) == 0)
        throw ConfigError("--set train.init_from cannot be combined with --resume: a resumed run continues from its "
                          "own checkpoint; start a new run with --config to fine-tune from another file");
    checkpoint = Checkpoint::open(resolve_resume(o.resume));
    config = checkpoint->config_for_resume(o.overrides);
  } else {
    if (o.config_path.empty()) throw ConfigError("train needs --config FILE (or --resume RUN_DIR)");
    config = load_config(o.config_path, o.overrides);
  }
  losses::check_head(config.loss);  // before the run folder exists
  set_log_level(config.runtime.log_level);
  // The config was checked once here; each worker re-reads it with the same arguments.
  if (o.nproc > 1) return run_local_workers(o.nproc);

  // A signal during set-up (rendezvous, data scan) ends the process at once; during training the
  // loop saves last.pt at the end of the step and returns (within the grace period).
  install_stop_signals();
  train::OnRunFolder on_run_folder;
  if (o.on_run_folder) on_run_folder = [&o](const std::filesystem::path& run_dir) { o.on_run_folder(run_dir.string()); };
  auto context = train::RunContext::create(config, checkpoint ? checkpoint->run_dir() : "", on_run_folder);
  train::Trainer trainer(config, context);
  if (checkpoint) trainer.resume(*checkpoint);
  train::TrainResult result;
  {
    CooperativeStop cooperative;
    result = trainer.fit({&stop_signal(), 0});
  }
  if (result.rank == 0) {  // rank 0 reports for a distributed run
    std::cout << "run folder: " << result.run_dir << "\n";
    std::cout << "last checkpoint: " << result.last_checkpoint << "\n";
    if (!result.best_checkpoint.empty()) std::cout << "best checkpoint: " << result.best_checkpoint << "\n";
    if (result.final_accuracy >= 0) std::cout << "final verification accuracy: " << result.final_accuracy << "\n";
    for (const auto& b : result.before_after) {  // a fine-tuning run: what it gained and cost per set
      std::cout << "accuracy on " << b.set << ": " << fmt::format("{:.4f}", b.before) << " before";
      if (b.after >= 0) std::cout << fmt::format(", {:.4f} after ({:+.4f})", b.after, b.after - b.before);
      std::cout << "\n";
    }
  }
  return result.stop_signal != 0 ? 128 + result.stop_signal : 0;
}

}  // namespace facenet::tasks
