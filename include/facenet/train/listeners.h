#pragma once
// The listeners every run has on rank 0 (Trainer adds them), each owning one output:
//   MetricsFiles        metrics.csv + metrics.jsonl (every log window, validation, evaluation)
//   ProgressLine        the console line with loss, lr, img/s, data wait and ETA
//   EvalHistory         eval/history.csv + history.png, eval/last_report.json
//   CheckpointRotation  checkpoints/last.pt, best.pt and epoch-NNNN.pt (keeping train.keep_last)
//   TensorBoardEvents   tb/events.out.tfevents.* (scalars and the ROC image)
//   BeforeAfterReport   before_after.json and its log lines (train.init_from runs)
#include <memory>
#include <vector>

#include "facenet/eval/history.h"
#include "facenet/train/events.h"
#include "facenet/train/metrics_log.h"

namespace facenet {
class TensorBoardWriter;
}

namespace facenet::train {

class MetricsFiles : public TrainingListener {
 public:
  void on_train_begin(Trainer& t) override;
  void on_log(Trainer& t, const LogWindow& w) override;
  void on_validation(Trainer& t, int64_t epoch, double accuracy) override;
  void on_evaluation(Trainer& t, const Evaluation& e) override;
  void on_epoch_end(Trainer& t, int64_t epoch, bool improved) override;
  /// metrics never run behind a checkpoint, so a resume finds no step missing.
  void on_before_checkpoint(Trainer& t, const std::string& path) override;
  void on_train_end(Trainer& t, const TrainResult& r) override;

 private:
  std::unique_ptr<MetricsLog> log_;
};

class ProgressLine : public TrainingListener {
 public:
  void on_log(Trainer& t, const LogWindow& w) override;
  void on_evaluation(Trainer& t, const Evaluation& e) override;
};

class EvalHistory : public TrainingListener {
 public:
  void on_evaluation(Trainer& t, const Evaluation& e) override;

 private:
  std::vector<eval::HistoryPoint> points_;
};

class CheckpointRotation : public TrainingListener {
 public:
  void on_epoch_end(Trainer& t, int64_t epoch, bool improved) override;
};

/// <run>/tb/events.out.tfevents.*: train/* scalars at every log window (loss terms, lr, img/s,
/// data wait), val/accuracy, eval/* for every evaluation metric and the eval/roc image, so
/// `tensorboard --logdir runs` shows the run. Step = optimiser step.
class TensorBoardEvents : public TrainingListener {
 public:
  TensorBoardEvents();
  ~TensorBoardEvents() override;
  void on_train_begin(Trainer& t) override;
  void on_log(Trainer& t, const LogWindow& w) override;
  void on_validation(Trainer& t, int64_t epoch, double accuracy) override;
  void on_evaluation(Trainer& t, const Evaluation& e) override;

 private:
  std::unique_ptr<TensorBoardWriter> writer_;
};

/// A fine-tuning run's summary: <run>/before_after.json with each evaluated set's accuracy
/// before the first step and after the last evaluation (the people fine-tuned on and the
/// people outside the set side by side), and the same as log lines.
class BeforeAfterReport : public TrainingListener {
 public:
  void on_train_end(Trainer& t, const TrainResult& r) override;
};

}  // namespace facenet::train
