#include "facenet/eval/eval_result.h"

#include <fmt/format.h>

#include <algorithm>

#include "facenet/core/error.h"

namespace facenet::eval {
namespace {

// The table behind metric_table(): a function-local static, so registration needs no global
// constructor order (register_metric appends to it).
std::vector<Metric>& metrics() {
  static std::vector<Metric> table{
      {"accuracy", [](const Report& r) { return r.metrics.accuracy_mean; }},
      {"accuracy_std", [](const Report& r) { return r.metrics.accuracy_std; }},
      {"val_at_far", [](const Report& r) { return r.metrics.val_mean; }, "val"},
      {"far", [](const Report& r) { return r.metrics.far_mean; }},
      {"auc", [](const Report& r) { return r.metrics.auc; }},
      {"eer", [](const Report& r) { return r.metrics.eer; }},
      {"threshold_at_far", [](const Report& r) { return r.metrics.threshold_at_far; }},
  };
  return table;
}

}  // namespace

const std::vector<Metric>& metric_table() { return metrics(); }

void register_metric(Metric metric) {
  auto& table = metrics();
  if (metric.name.empty() || !metric.value) throw Error("register_metric: a metric needs a name and a value");
  for (auto& m : table)
    if (m.name == metric.name) {
      m = std::move(metric);
      return;
    }
  table.push_back(std::move(metric));
}

std::string metric_column(const std::string& key, const std::string& name) {
  return "eval_" + (key.empty() ? std::string() : key + "_") + name;
}

std::string metric_tag(const std::string& key, const std::string& name) {
  return "eval/" + (key.empty() ? std::string() : key + "/") + name;
}

double EvalResult::best_score() const {
  if (sets.empty()) throw Error("an evaluation without sets has no score");
  double sum = 0, worst = 1;
  for (const auto& s : sets) {
    if (s.name == best_by) return s.report.metrics.accuracy_mean;
    sum += s.report.metrics.accuracy_mean;
    worst = std::min(worst, s.report.metrics.accuracy_mean);
  }
  // min: the worst set decides, so best.pt is the checkpoint that loses least anywhere.
  if (best_by == "min") return worst;
  if (best_by != "mean") throw Error("eval.best_by (" + best_by + ") names none of the evaluated sets");
  return sum / double(sets.size());
}

std::vector<MetricValue> EvalResult::metric_rows() const {
  std::vector<MetricValue> rows{{metric_column("", "accuracy"), metric_tag("", "accuracy"), best_score()}};
  for (const auto& s : sets)
    for (const auto& m : metric_table()) {
      auto column = metric_column(s.key, m.column.empty() ? m.name : m.column);
      if (std::any_of(rows.begin(), rows.end(), [&](const MetricValue& r) { return r.column == column; })) continue;
      rows.push_back({std::move(column), metric_tag(s.key, m.name), m.value(s.report)});
    }
  return rows;
}

std::string format_sets_table(const std::vector<SetReport>& sets) {
  std::string s;
  if (sets.empty()) return s;
  const auto& c = sets.front().report.info.config;
  s += fmt::format("Verification: {} folds, distance {}, flip {}{}, thresholds 0:{:g}:{:g}\n",
                   sets.front().report.metrics.folds.size(), to_string(c.distance), to_string(c.flip),
                   c.subtract_mean ? ", subtract_mean" : "", c.threshold_max, c.threshold_step);
  std::size_t width = 3;
  for (const auto& set : sets) width = std::max(width, set.name.size());
  s += fmt::format("  {:<{}}  {:>6}  {:>19}  {:>17}  {:>7}  {:>7}  {:>9}\n", "set", width, "pairs", "accuracy",
                   fmt::format("VAL@FAR={:g}", c.far_target), "AUC", "EER", "threshold");
  double sum = 0;
  for (const auto& set : sets) {
    const auto& m = set.report.metrics;
    sum += m.accuracy_mean;
    s += fmt::format("  {:<{}}  {:>6}  {:>8.5f} +- {:>7.5f}  {:>7.5f} +- {:>6.4f}  {:>7.5f}  {:>7.5f}  {:>9.4f}\n", set.name,
                     width, m.num_pairs, m.accuracy_mean, m.accuracy_std, m.val_mean, m.val_std, m.auc, m.eer,
                     m.threshold_at_far);
  }
  if (sets.size() > 1)
    s += fmt::format("  {:<{}}  {:>6}  {:>8.5f}\n", "mean", width, "", sum / double(sets.size()));
  return s;
}

}  // namespace facenet::eval
