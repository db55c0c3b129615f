#pragma once
// The Trainer: data, model, loss and optimiser built from a validated Config, and the loop that
// reads like the recipe (fit()): step, maybe evaluate, maybe save, stop. Everything a run
// writes is a TrainingListener (train/listeners.h); a program can add its own, drive
// train_step() from its own loop, or swap the loss through model()/loss()/optimizer().
//
//   auto config = facenet::load_config("configs/smoke.yaml");   // validated here, once
//   facenet::train::Trainer trainer(config);
//   trainer.add_listener(std::make_shared<MyListener>());
//   auto result = trainer.fit();
#include <torch/torch.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "facenet/checkpoint/checkpoint.h"
#include "facenet/core/config.h"
#include "facenet/core/precision.h"
#include "facenet/core/progress.h"
#include "facenet/data/dataset.h"
#include "facenet/data/loader.h"
#include "facenet/eval/eval_set.h"
#include "facenet/losses/objective.h"
#include "facenet/models/facenet.h"
#include "facenet/train/data_parallel.h"
#include "facenet/train/events.h"
#include "facenet/train/grad_scaler.h"
#include "facenet/train/param_groups.h"
#include "facenet/train/run_context.h"

namespace facenet::train {

struct TrainResult {
  std::string run_dir;
  std::string last_checkpoint;
  std::string best_checkpoint;  ///< empty when no evaluation ran
  int64_t steps = 0;
  double final_accuracy = -1;   ///< last held-out verification accuracy (-1 = none)
  int stop_signal = 0;          ///< SIGINT/SIGTERM that ended the run early, else 0
  int rank = 0;                 ///< this process's rank in a distributed run (0 = the one that writes)
  /// With train.init_from: each evaluated set's accuracy before the first step and after the last
  /// evaluation (empty without init_from or evaluation sets).
  std::vector<BeforeAfter> before_after;
};

struct FitOptions {
  /// Set asynchronously (e.g. by a signal handler) to stop after the current step and save.
  const std::atomic<int>* stop_signal = nullptr;
  /// Stop (saving last.pt, as for a signal) once this many steps are done; 0 = never.
  /// Simulates an interrupted run without changing the schedule (tests, preemptible jobs).
  int64_t stop_after_steps = 0;
};

class Trainer {
 public:
  /// Builds everything from `config` (validated by load_config) in a RunContext of its own.
  explicit Trainer(const Config& config);
  /// The same inside a context the caller made (the CLI: once per process).
  Trainer(const Config& config, std::shared_ptr<RunContext> context);
  ~Trainer();
  Trainer(const Trainer&) = delete;
  Trainer& operator=(const Trainer&) = delete;

  /// Adds a listener after the default ones (metrics, progress line, evaluation history,
  /// checkpoint rotation, TensorBoard), which rank 0 has from construction.
  void add_listener(std::shared_ptr<TrainingListener> listener);

  /// Continues from `checkpoint`: weights, head, optimiser, RNG, step and sampler position.
  /// Call before the first step; a run continued this way is bit-identical to one never stopped.
  void resume(const Checkpoint& checkpoint);

  /// The recipe: trains until the schedule, the time budget, a signal or a step limit ends it.
  /// Throws facenet::Error on a non-finite loss (the last good checkpoint stays intact) or
  /// when another rank fails.
  TrainResult fit(const FitOptions& options = {});

  /// One optimiser step on `batch` (this process's share of a global batch): forward, loss,
  /// backward, gradient averaging over the ranks, clipping, update. Sets the learning rate of
  /// the current schedule position first. Calls on_step.
  StepStats train_step(const data::Batch& batch);

  /// The next batch of the run's loader (its sampler and augmentation, resumable).
  data::Batch next_batch();

  /// Verification on eval.pairs into <run>/eval/<name>/ and on each eval.sets set into
  /// <run>/eval/<name>/<set>/ (rank 0; nullopt when none is set up). Calls on_evaluation.
  std::optional<Evaluation> evaluate(const std::string& name);

  /// Writes <run>/checkpoints/<name> (rank 0) and returns its path. Calls on_checkpoint.
  std::string save(const std::string& name);

  const Config& config() const { return config_; }
  const TrainingState& state() const { return state_; }
  const RunContext& context() const { return *ctx_; }
  const std::filesystem::path& run_dir() const { return ctx_->run_dir; }
  bool is_main() const { return ctx_->is_main(); }
  /// What train.amp resolved to on this device (fp32, bf16 or fp16).
  Precision precision() const { return precision_; }
  int64_t steps_per_epoch() const { return steps_per_epoch_; }
  int64_t total_steps() const { return total_steps_; }
  double minutes_since_start() const;
  bool has_evaluator() const { return eval_sets_ != nullptr; }
  models::FaceNet& model() { return model_; }
  /// The objective LossConfig built (losses::FaceNetLoss), with the head's parameters.
  losses::Objective& loss() { return *loss_; }
  torch::optim::Optimizer& optimizer() { return *optimizer_; }
  /// What train.freeze, trainable_from and lr_mult resolved to (groups in optimiser order).
  const ParamPlan& parameter_plan() const { return plan_; }
  /// True while train.head_only_* holds the network and only the classification head trains.
  bool head_only() const { return state_.step < head_only_steps_; }
  /// Each evaluated set before and after (train.init_from; empty otherwise).
  std::vector<BeforeAfter> before_after() const;
  const data::Dataset& dataset() const { return dataset_; }
  std::string checkpoint_path(const std::string& name) const;

 private:
  struct StopDecision;
  void begin();
  void build_data();
  void build_model();
  void build_evaluator();
  void init_from_source();
  void apply_phase();
  void set_train_mode();
  void add_default_listeners();
  data::BatchLoader& loader();
  StopDecision agree_to_stop();
  void stop_early(const StopDecision& stop);
  bool epoch_finished() const;
  bool evaluation_due() const;
  void end_of_epoch(int64_t epoch);
  double validation_accuracy();
  void finish();
  void log_window(const StepStats& s);
  std::optional<Evaluation> evaluate_into(const std::string& name, bool track_best);
  std::vector<torch::Tensor> model_state() const;
  std::vector<torch::Tensor> model_buffers() const;
  [[noreturn]] void throw_non_finite(double local_total);

  Config config_;
  std::shared_ptr<RunContext> ctx_;
  DataParallel parallel_;  ///< the collectives a step needs (identity in a single process)
  Listeners listeners_;
  FitOptions fit_options_;
  data::Dataset dataset_, val_;
  int64_t steps_per_epoch_ = 1, total_steps_ = 0;
  models::FaceNet model_{nullptr};
  std::shared_ptr<losses::Objective> loss_;
  std::unique_ptr<torch::optim::Optimizer> optimizer_;
  std::vector<torch::Tensor> trainable_;  ///< network and loss-head parameters that train
  ParamPlan plan_;                        ///< frozen prefixes and the optimiser's groups
  int64_t head_only_steps_ = 0;           ///< train.head_only_* in steps
  int phase_ = -1;                        ///< 0: only the head trains, 1: as configured (-1: not set yet)
  std::optional<eval::EvalResult> last_result_;  ///< the latest evaluation (the "after" of before_after)
  Precision precision_ = Precision::FP32;
  GradScaler scaler_{false};  ///< enabled for fp16 only
  std::unique_ptr<data::BatchLoader> loader_;  ///< made on first use, from state_ (so resume() can move it)
  std::unique_ptr<eval::EvalSuite> eval_sets_;  ///< eval.pairs and eval.sets, read once (rank 0)
  eval::EvalNetwork eval_network_;              ///< the model, as the sets embed through it
  TrainingState state_;
  TrainResult result_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  double elapsed_minutes_ = 0;  ///< agreed over the ranks at the last stop check (schedule_by_time)
  double last_eval_minutes_ = 0;
  double pending_wait_s_ = 0;    ///< data wait of the batch the next step trains on
  RateMeter window_;             ///< images in the current logging window
  double window_wait_s_ = 0;
  int64_t first_step_ = -1;      ///< the step fit() started from (for the ETA)
  bool begun_ = false;           ///< listeners had on_train_begin
};

struct TrainOptions {
  std::string resume_checkpoint;  ///< continue from this checkpoint (its run folder is reused)
  const std::atomic<int>* stop_signal = nullptr;
  int64_t stop_after_steps = 0;
  OnRunFolder on_run_folder;  ///< e.g. attaches <run>/train.log (RunContext::create)
};

/// Convenience for programs and tests: a RunContext (in the checkpoint's run folder when
/// resuming), a Trainer, resume when asked, fit.
TrainResult train(const Config& config, const TrainOptions& options = {});

}  // namespace facenet::train
