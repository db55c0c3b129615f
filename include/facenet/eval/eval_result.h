#pragma once
// What one evaluation gives: a list of named set reports, the score best.pt follows, and the
// metric rows that metrics.csv/jsonl and TensorBoard both write. The figures a set report
// gives are one table (metric_table()): a new metric is one line there, or one
// register_metric call in a program.
#include <functional>
#include <string>
#include <vector>

#include "facenet/eval/report.h"

namespace facenet::eval {

/// One evaluated set.
struct SetReport {
  std::string name;     ///< the set's name: "lfw" for lfw.bin, "pairs" for pairs.txt
  /// What its figures are called after: `name`, or empty for eval.pairs evaluated alone, whose
  /// figures keep the plain names they had before eval.sets (eval_accuracy, eval/roc, a history
  /// without a set column).
  std::string key;
  std::string out_dir;  ///< where its files were written (may be empty)
  Report report;
};

/// One figure, as metrics.csv/jsonl and TensorBoard name it.
struct MetricValue {
  std::string column;  ///< "eval_accuracy", "eval_lfw_auc"
  std::string tag;     ///< "eval/accuracy", "eval/lfw/auc"
  double value = 0;
};

/// A figure every set report gives.
struct Metric {
  std::string name;  ///< the tag's last part: eval/<key>/<name>
  std::function<double(const Report&)> value;
  std::string column = "";  ///< the column's last part when it differs from `name` (eval_<key>_<column>)
};

/// The figures of a set report, in row order: accuracy, accuracy_std, val_at_far (column
/// "val"), far, auc, eer, threshold_at_far, then those added by register_metric.
const std::vector<Metric>& metric_table();
/// Appends a figure to every evaluation's rows, or replaces the one of the same name (register
/// before training or evaluating). Throws Error without a name or a value.
void register_metric(Metric metric);

/// "eval_<key>_<name>" ("eval_<name>" for an empty key), and TensorBoard's "eval/<key>/<name>".
std::string metric_column(const std::string& key, const std::string& name);
std::string metric_tag(const std::string& key, const std::string& name);

/// Every set of one evaluation, in order (never empty once run).
struct EvalResult {
  std::vector<SetReport> sets;
  /// eval.best_by: "mean", "min" (the worst set) or a set's name.
  std::string best_by = "mean";

  /// What best.pt follows: the mean accuracy over the sets, the worst set's (min), or the best_by set's accuracy.
  double best_score() const;
  /// eval_accuracy / eval/accuracy = best_score(), then each set's metric_table() figures
  /// under its key. A row whose column is already there is left out (a lone unnamed set's
  /// accuracy is the score).
  std::vector<MetricValue> metric_rows() const;
};

/// One console table, a row per set: pairs, accuracy +- std, VAL@FAR, AUC, EER, threshold@FAR,
/// and the mean accuracy when there are several.
std::string format_sets_table(const std::vector<SetReport>& sets);

}  // namespace facenet::eval
