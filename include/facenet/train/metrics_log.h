#pragma once
// metrics.csv and metrics.jsonl in a run folder: one row per logged step or evaluation.
// Both files are rewritten atomically on every flush, so a killed run leaves them whole.
#include <string>
#include <utility>
#include <vector>

namespace facenet::train {

using MetricRow = std::vector<std::pair<std::string, double>>;

class MetricsLog {
 public:
  explicit MetricsLog(std::string run_dir);
  /// Loads rows already in run_dir/metrics.jsonl (a resumed run keeps its history),
  /// dropping rows at or after `from_step` (steps the resumed run will redo).
  void resume(int64_t from_step);
  void add(MetricRow row);
  void flush() const;
  const std::vector<MetricRow>& rows() const { return rows_; }

 private:
  std::string dir_;
  std::vector<MetricRow> rows_;
};

}  // namespace facenet::train
