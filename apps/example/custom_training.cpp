// Training from your own program, without the CLI: the Trainer as a library.
//   custom_training CONFIG.yaml [key=value ...]
// Adds a listener that keeps the best batch loss, drives the loop by hand for a few steps
// (your own loop: call train_step on the trainer's batches), then lets fit() finish the recipe
// (evaluation, checkpoints and metrics come from the default listeners). Where logs go is the
// program's choice: here spdlog's default console logger, plus the run's train.log.
#include <spdlog/spdlog.h>

#include <iostream>
#include <limits>

#include "facenet/core/config_yaml.h"
#include "facenet/core/logging.h"
#include "facenet/train/trainer.h"

namespace {

/// A listener of your own: any tool can watch a run this way.
class LowestLoss : public facenet::train::TrainingListener {
 public:
  void on_step(facenet::train::Trainer&, const facenet::train::StepStats& s) override {
    if (s.loss < lowest) lowest = s.loss, step = s.step;
  }
  double lowest = std::numeric_limits<double>::infinity();
  int64_t step = 0;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: custom_training CONFIG.yaml [key=value ...]\n";
    return 2;
  }
  try {
    const auto config = facenet::load_config(argv[1], std::vector<std::string>(argv + 2, argv + argc));
    facenet::set_log_level(config.runtime.log_level);
    spdlog::default_logger()->flush_on(spdlog::level::info);
    // The library adds no log sink: the run folder is handed over so that we keep its train.log.
    auto context = facenet::train::RunContext::create(config, "", [](const std::filesystem::path& run_dir) {
      spdlog::default_logger()->sinks().push_back(facenet::log_file_sink((run_dir / "train.log").string()));
    });
    facenet::train::Trainer trainer(config, context);
    auto lowest = std::make_shared<LowestLoss>();
    trainer.add_listener(lowest);

    // Your own loop: three steps by hand (a custom loss would use trainer.model()/loss() here).
    for (int i = 0; i < 3 && trainer.state().step < trainer.total_steps(); ++i) {
      const auto stats = trainer.train_step(trainer.next_batch());
      std::cout << "step " << stats.step << ": loss " << stats.loss << "\n";
    }
    // Then the recipe continues from where the loop left off.
    const auto result = trainer.fit();
    std::cout << "steps: " << result.steps << ", lowest batch loss " << lowest->lowest << " at step " << lowest->step
              << "\nlast checkpoint: " << result.last_checkpoint << "\n";
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
