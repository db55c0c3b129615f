#include "facenet/train/listeners.h"
#include "facenet/train/trainer.h"

namespace facenet::train {

void MetricsFiles::on_train_begin(Trainer& t) {
  log_ = std::make_unique<MetricsLog>(t.run_dir().string());
  // A resumed run keeps its history, less the steps it is about to redo.
  if (t.state().step > 0) log_->resume(t.state().step + 1);
}

void MetricsFiles::on_log(Trainer&, const LogWindow& w) {
  const auto& s = w.last;
  log_->add({{"step", double(s.step)},
             {"epoch", s.epoch},
             {"lr", s.lr},
             {"loss", s.loss},
             {"ce", s.ce},
             {"triplet", s.triplet},
             {"accuracy", s.accuracy},
             {"active_triplets", s.active_triplets},
             {"images_per_s", w.images_per_s},
             {"data_wait_fraction", w.data_wait_fraction}});
}

void MetricsFiles::on_validation(Trainer& t, int64_t epoch, double accuracy) {
  log_->add({{"step", double(t.state().step)}, {"epoch", double(epoch)}, {"val_accuracy", accuracy}});
}

void MetricsFiles::on_evaluation(Trainer&, const Evaluation& e) {
  const auto& m = e.report.metrics;
  if (!e.sets.empty()) {
    // eval_accuracy = the score best.pt follows (eval.best_by); then each set's figures.
    MetricRow row{{"step", double(e.step)}, {"epoch", double(int64_t(e.epoch))}, {"minutes", e.minutes},
                  {"eval_accuracy", e.score}};
    for (const auto& s : e.sets) {
      const auto& sm = s.report.metrics;
      const auto key = "eval_" + s.name + "_";
      row.insert(row.end(), {{key + "accuracy", sm.accuracy_mean},
                             {key + "accuracy_std", sm.accuracy_std},
                             {key + "val", sm.val_mean},
                             {key + "auc", sm.auc},
                             {key + "eer", sm.eer}});
    }
    log_->add(std::move(row));
    return;
  }
  log_->add({{"step", double(e.step)},
             {"epoch", double(int64_t(e.epoch))},
             {"minutes", e.minutes},
             {"eval_accuracy", m.accuracy_mean},
             {"eval_accuracy_std", m.accuracy_std},
             {"eval_val", m.val_mean},
             {"eval_auc", m.auc},
             {"eval_eer", m.eer}});
}

void MetricsFiles::on_epoch_end(Trainer&, int64_t, bool) { log_->flush(); }
void MetricsFiles::on_before_checkpoint(Trainer&, const std::string&) { log_->flush(); }
void MetricsFiles::on_train_end(Trainer&, const TrainResult&) { log_->flush(); }

}  // namespace facenet::train
