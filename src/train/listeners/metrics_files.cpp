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
  MetricRow row{{"step", double(s.step)},
                {"epoch", s.epoch},
                {"lr", s.lr},
                {"loss", s.loss},
                {"ce", s.ce},
                {"triplet", s.triplet},
                {"accuracy", s.accuracy},
                {"active_triplets", s.active_triplets},
                {"images_per_s", w.images_per_s},
                {"data_wait_fraction", w.data_wait_fraction}};
  for (const auto& [group, lr] : s.group_lrs) row.emplace_back("lr_" + group, lr);
  log_->add(std::move(row));
}

void MetricsFiles::on_validation(Trainer& t, int64_t epoch, double accuracy) {
  log_->add({{"step", double(t.state().step)}, {"epoch", double(epoch)}, {"val_accuracy", accuracy}});
}

void MetricsFiles::on_evaluation(Trainer&, const Evaluation& e) {
  MetricRow row{{"step", double(e.step)}, {"epoch", double(int64_t(e.epoch))}, {"minutes", e.minutes}};
  for (const auto& m : e.result.metric_rows()) row.emplace_back(m.column, m.value);
  log_->add(std::move(row));
}

void MetricsFiles::on_epoch_end(Trainer&, int64_t, bool) { log_->flush(); }
void MetricsFiles::on_before_checkpoint(Trainer&, const std::string&) { log_->flush(); }
void MetricsFiles::on_train_end(Trainer& t, const TrainResult& r) {
  // A fine-tuning run's closing row: each set before its first step and after its last evaluation.
  if (!r.before_after.empty()) {
    MetricRow row{{"step", double(t.state().step)}};
    for (const auto& b : r.before_after) {
      row.emplace_back(eval::metric_column(b.key, "accuracy_before"), b.before);
      if (b.after >= 0) row.emplace_back(eval::metric_column(b.key, "accuracy_after"), b.after);
    }
    log_->add(std::move(row));
  }
  log_->flush();
}

}  // namespace facenet::train
