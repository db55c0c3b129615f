#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "facenet/core/progress.h"
#include "facenet/train/listeners.h"
#include "facenet/train/trainer.h"

namespace facenet::train {

void ProgressLine::on_log(Trainer&, const LogWindow& w) {
  const auto& s = w.last;
  spdlog::info("epoch {}/{} step {}/{} loss {:.4f} (ce {:.4f}, triplet {:.4f}) acc {:.3f} active {:.2f} "
               "lr {:.2e} {:.0f} img/s data-wait {:.0f}% ETA {}",
               w.epoch, w.epochs, s.step, w.total_steps, s.loss, s.ce, s.triplet, s.accuracy, s.active_triplets, s.lr,
               w.images_per_s, 100.0 * w.data_wait_fraction, format_duration(w.eta_s));
}

void ProgressLine::on_evaluation(Trainer& t, const Evaluation& e) {
  const auto when = fmt::format("{} ({:.1f} min)", e.name, e.minutes);
  for (const auto& s : e.result.sets) {
    const auto& m = s.report.metrics;
    spdlog::info("[eval] {}: accuracy {:.4f} ± {:.4f}, VAL {:.4f} @ FAR {:.0e}, AUC {:.4f}, EER {:.4f}",
                 s.key.empty() ? when : e.name + " " + s.key, m.accuracy_mean, m.accuracy_std, m.val_mean,
                 m.far_target, m.auc, m.eer);
  }
  // Named sets: then what best.pt follows (a lone unnamed set's line above already is it).
  if (!e.result.sets.front().key.empty())
    spdlog::info("[eval] {}: {} accuracy {:.4f}", when, t.config().eval.best_by, e.result.best_score());
}

}  // namespace facenet::train
