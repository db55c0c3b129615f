#include <fmt/format.h>

#include "facenet/core/fs.h"
#include "facenet/train/listeners.h"
#include "facenet/train/trainer.h"

namespace facenet::train {

void EvalHistory::on_evaluation(Trainer& t, const Evaluation& e) {
  const auto dir = t.run_dir() / "eval";
  const auto& m = e.report.metrics;
  write_file_atomic((dir / "last_report.json").string(), eval::to_json(e.report));
  if (e.sets.empty()) {
    points_.push_back({e.minutes, e.step, e.epoch, m.accuracy_mean, m.accuracy_std, m.auc, ""});
  } else {
    // One line per set (eval.sets), each set's last report beside the others.
    for (const auto& s : e.sets) {
      const auto& sm = s.report.metrics;
      points_.push_back({e.minutes, e.step, e.epoch, sm.accuracy_mean, sm.accuracy_std, sm.auc, s.name});
      write_file_atomic((dir / ("last_report_" + s.name + ".json")).string(), eval::to_json(s.report));
    }
  }
  write_file_atomic((dir / "history.csv").string(), eval::history_csv(points_));
  std::string what = std::filesystem::path(t.config().eval.pairs).filename().string();
  if (!e.sets.empty()) {
    what.clear();
    for (const auto& s : e.sets) what += (what.empty() ? "" : ", ") + s.name;
  }
  eval::write_history_png((dir / "history.png").string(), points_,
                          fmt::format("{}: held-out verification on {}", t.config().train.name, what));
}

}  // namespace facenet::train
