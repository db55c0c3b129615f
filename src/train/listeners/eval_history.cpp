#include <fmt/format.h>

#include "facenet/core/fs.h"
#include "facenet/train/listeners.h"
#include "facenet/train/trainer.h"

namespace facenet::train {

void EvalHistory::on_evaluation(Trainer& t, const Evaluation& e) {
  const auto dir = t.run_dir() / "eval";
  const auto& m = e.report.metrics;
  write_file_atomic((dir / "last_report.json").string(), eval::to_json(e.report));
  points_.push_back({e.minutes, e.step, e.epoch, m.accuracy_mean, m.accuracy_std, m.auc});
  write_file_atomic((dir / "history.csv").string(), eval::history_csv(points_));
  eval::write_history_png((dir / "history.png").string(), points_,
                          fmt::format("{}: held-out verification on {}", t.config().train.name,
                                      std::filesystem::path(t.config().eval.pairs).filename().string()));
}

}  // namespace facenet::train
