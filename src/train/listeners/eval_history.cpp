#include <fmt/format.h>

#include "facenet/core/fs.h"
#include "facenet/train/listeners.h"
#include "facenet/train/trainer.h"

namespace facenet::train {

void EvalHistory::on_evaluation(Trainer& t, const Evaluation& e) {
  const auto dir = t.run_dir() / "eval";
  write_file_atomic((dir / "last_report.json").string(), eval::to_json(e.result.sets.front().report));
  std::string names;
  for (const auto& s : e.result.sets) {
    const auto& m = s.report.metrics;
    points_.push_back({e.minutes, e.step, e.epoch, m.accuracy_mean, m.accuracy_std, m.auc, s.key});
    // Named sets: each one's last report beside the others.
    if (!s.key.empty()) write_file_atomic((dir / ("last_report_" + s.key + ".json")).string(), eval::to_json(s.report));
    names += (names.empty() ? "" : ", ") + s.name;
  }
  write_file_atomic((dir / "history.csv").string(), eval::history_csv(points_));
  eval::write_history_png((dir / "history.png").string(), points_,
                          fmt::format("{}: held-out verification on {}", t.config().train.name, names));
}

}  // namespace facenet::train
