#pragma once
// Training events: what a run reports, as an interface any tool can implement. The trainer
// calls every listener in the order they were added; the files a run writes (metrics, the
// progress line, evaluation history, checkpoints, TensorBoard) are each one listener
// (train/listeners.h). Listeners run on the process that writes the run folder (rank 0).
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "facenet/eval/eval_result.h"

namespace facenet::train {

class Trainer;
struct TrainResult;

/// One optimiser step's figures (means over the ranks in a distributed run).
struct StepStats {
  int64_t step = 0;       ///< completed steps, this one included
  double epoch = 0;       ///< fractional epoch position when the step started
  double lr = 0;          ///< the schedule's rate (groups at train.lr_mult 1)
  /// Each optimiser group's rate (name, lr) when train.lr_mult makes more than one group.
  std::vector<std::pair<std::string, double>> group_lrs;
  double loss = 0;        ///< the total objective
  double ce = 0;          ///< classification term (0 without a classifier)
  double triplet = 0;     ///< triplet term (0 without one)
  double accuracy = 0;    ///< classifier accuracy on the batch
  double active_triplets = 0;
  int64_t images = 0;     ///< images in the global batch
  double data_wait_s = 0; ///< time spent waiting for the batch
};

/// A logging window closes every train.log_every_steps steps (and at the last step).
struct LogWindow {
  StepStats last;              ///< the step that closed the window
  int64_t epoch = 1;           ///< 1-based epoch the step belongs to
  int64_t epochs = 1;          ///< train.epochs
  int64_t total_steps = 0;
  double images_per_s = 0;     ///< over the window
  double data_wait_fraction = 0;
  double eta_s = 0;
};

/// One verification evaluation of the network.
struct Evaluation {
  std::string name;        ///< "epoch-3", "step-1200", "step-0"
  int64_t step = 0;
  double epoch = 0;
  double minutes = 0;      ///< since the run (or its resume) started
  bool improved = false;   ///< a new best result.best_score()
  std::string out_dir;     ///< <run>/eval/<name>: eval.pairs' files, and a folder per .bin set
  /// Every set evaluated, in order: eval.pairs first (named after its file) when set, then each
  /// eval.sets set. best_score() is what best.pt follows (eval.best_by); metric_rows() are the
  /// figures metrics.csv/jsonl and TensorBoard write.
  eval::EvalResult result;
};

/// A fine-tuning run's accuracy on one evaluated set before its first step and at its last evaluation.
struct BeforeAfter {
  std::string set;      ///< the set's name (eval.pairs' file name, or an eval.sets entry's)
  std::string key;      ///< its key in metric columns ("" for a lone eval.pairs)
  double before = -1;
  double after = -1;    ///< -1 when no evaluation followed
};

class TrainingListener {
 public:
  virtual ~TrainingListener() = default;
  virtual void on_train_begin(Trainer&) {}
  virtual void on_step(Trainer&, const StepStats&) {}
  virtual void on_log(Trainer&, const LogWindow&) {}
  /// Held-out image classification accuracy (data.val_split by image), at epoch ends.
  virtual void on_validation(Trainer&, int64_t /*epoch*/, double /*accuracy*/) {}
  virtual void on_evaluation(Trainer&, const Evaluation&) {}
  /// After the epoch's evaluation; `improved`: that evaluation set a new best.
  virtual void on_epoch_end(Trainer&, int64_t /*epoch*/, bool /*improved*/) {}
  /// Just before a checkpoint is written: files that must never run behind it (metrics) flush.
  virtual void on_before_checkpoint(Trainer&, const std::string& /*path*/) {}
  virtual void on_checkpoint(Trainer&, const std::string& /*path*/) {}
  /// Also on an early stop (signal, step limit) after its checkpoint is written.
  virtual void on_train_end(Trainer&, const TrainResult&) {}
};

/// The listeners of one trainer, called in order.
class Listeners {
 public:
  void add(std::shared_ptr<TrainingListener> listener) { all_.push_back(std::move(listener)); }
  template <class Fn>
  void each(Fn&& fn) {
    for (auto& l : all_) fn(*l);
  }
  std::size_t size() const { return all_.size(); }

 private:
  std::vector<std::shared_ptr<TrainingListener>> all_;
};

}  // namespace facenet::train
