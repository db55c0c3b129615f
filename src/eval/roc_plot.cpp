// roc.png: TPR against FPR with the operating points marked.
#include <fmt/format.h>

#include "facenet/eval/plot.h"
#include "facenet/eval/report.h"

namespace facenet::eval {

void write_roc_png(const std::string& path, const VerificationReport& m, bool log_fpr) {
  const std::vector<double> tenths{0, 0.2, 0.4, 0.6, 0.8, 1};
  const auto one_decimal = [](double v) { return fmt::format("{:.1f}", v); };
  PlotAxis x{0, 1, false, tenths, "False accept rate (FPR)", one_decimal};
  if (log_fpr) x = {1e-4, 1, true, {1e-4, 1e-3, 1e-2, 1e-1, 1}, "False accept rate (FPR, log scale)"};
  Plot plot({}, fmt::format("ROC: {} pairs, AUC {:.4f}, EER {:.4f}, accuracy {:.4f}", m.num_pairs, m.auc, m.eer,
                            m.accuracy_mean),
            x, {0, 1, false, tenths, "TPR", one_decimal});
  if (!log_fpr) plot.add(PlotSeries{"", {180, 180, 180}, {{0, 1}, {1, 0}}, 1});  // where FPR = 1 - TPR (the EER)

  PlotSeries curve{"", {200, 90, 20}, {}};
  for (std::size_t i = 0; i < m.roc.fpr.size(); ++i) curve.points.push_back({m.roc.fpr[i], m.roc.tpr[i]});
  plot.add(std::move(curve));

  plot.add(PlotMarker{{m.eer, 1 - m.eer}, {0, 0, 220}, fmt::format("EER {:.4f}", m.eer)});
  const Bgr tar_colors[] = {{0, 140, 0}, {160, 0, 160}, {0, 120, 200}};
  for (std::size_t i = 0; i < m.tar_at_far.size(); ++i)
    plot.add(PlotMarker{{m.tar_at_far[i].far, m.tar_at_far[i].tar},
                        tar_colors[i % 3],
                        fmt::format("TAR {:.4f} @ FAR {:g}", m.tar_at_far[i].tar, m.tar_at_far[i].far_target)});
  plot.add(PlotMarker{{m.far_at_threshold, m.val_at_threshold},
                      {40, 40, 40},
                      fmt::format("thr {:.3f}: TAR {:.4f} FAR {:.4f}", m.threshold_at_far, m.val_at_threshold,
                                  m.far_at_threshold)});
  plot.write_png(path);
}

}  // namespace facenet::eval
