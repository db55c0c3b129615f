#include "facenet/eval/history.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <iterator>

#include "facenet/eval/plot.h"

namespace facenet::eval {

std::string history_csv(const std::vector<HistoryPoint>& points) {
  const bool sets = std::any_of(points.begin(), points.end(), [](const HistoryPoint& p) { return !p.set.empty(); });
  if (sets) {
    std::string out = "minutes,step,epoch,set,accuracy,accuracy_std,auc\n";
    for (const auto& p : points)
      out += fmt::format("{:.3f},{},{:.4f},{},{:.6f},{:.6f},{:.6f}\n", p.minutes, p.step, p.epoch, p.set, p.accuracy,
                         p.accuracy_std, p.auc);
    return out;
  }
  std::string out = "minutes,step,epoch,accuracy,accuracy_std,auc\n";
  for (const auto& p : points)
    out += fmt::format("{:.3f},{},{:.4f},{:.6f},{:.6f},{:.6f}\n", p.minutes, p.step, p.epoch, p.accuracy,
                       p.accuracy_std, p.auc);
  return out;
}

void write_history_png(const std::string& path, const std::vector<HistoryPoint>& points, const std::string& title) {
  double max_min = 1.0;
  double lo = 0.5;
  for (const auto& p : points) {
    max_min = std::max(max_min, p.minutes);
    lo = std::min({lo, p.accuracy, p.auc});
  }
  lo = std::max(0.0, std::floor(lo * 10) / 10);
  // A "nice" minute step giving 5-10 ticks.
  double step = 1;
  for (double s : {1.0, 2.0, 5.0, 10.0, 15.0, 30.0, 60.0, 120.0})
    if (max_min / s <= 10) {
      step = s;
      break;
    }
  max_min = std::ceil(max_min / step) * step;
  PlotAxis x{0, max_min, false, {}, "training minutes (wall clock)"}, y{lo, 1, false, {}, ""};
  for (double m = 0; m <= max_min + 1e-9; m += step) x.ticks.push_back(m);
  for (double v = lo; v <= 1 + 1e-9; v += 0.05) y.ticks.push_back(v);
  y.tick_label = [](double v) { return fmt::format("{:.2f}", v); };
  Plot plot({760, 520, 70, 30, 50, 60}, title, x, y);

  // One accuracy line per set (in order of first appearance); without sets, accuracy and AUC.
  std::vector<std::string> sets;
  for (const auto& p : points)
    if (!p.set.empty() && std::find(sets.begin(), sets.end(), p.set) == sets.end()) sets.push_back(p.set);
  const auto series = [&](const std::string& set, double HistoryPoint::*field, const std::string& label, Bgr color) {
    PlotSeries line{label, color, {}, 2, 3};
    double last = 0;
    for (const auto& p : points)
      if (p.set == set) line.points.push_back({p.minutes, p.*field}), last = p.*field;
    if (field == &HistoryPoint::accuracy && !line.points.empty()) line.label += fmt::format(" (last {:.4f})", last);
    plot.add(std::move(line));
  };
  constexpr auto kColors = std::size(kPlotColors);
  for (std::size_t k = 0; k < sets.size(); ++k) series(sets[k], &HistoryPoint::accuracy, sets[k], kPlotColors[k % kColors]);
  if (sets.empty()) {
    series("", &HistoryPoint::accuracy, "held-out accuracy", kPlotColors[0]);
    series("", &HistoryPoint::auc, "AUC", kPlotColors[1]);
  }
  plot.write_png(path);
}

}  // namespace facenet::eval
