#include "facenet/train/trainer.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cmath>

#include "facenet/core/error.h"
#include "facenet/data/preprocess.h"
#include "facenet/data/sampler.h"
#include "facenet/infer/batches.h"
#include "facenet/infer/network_embed.h"
#include "facenet/losses/facenet_loss.h"
#include "facenet/train/init_weights.h"
#include "facenet/train/listeners.h"
#include "facenet/train/lr_schedule.h"
#include "facenet/train/optimizer.h"

namespace facenet::train {
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

/// The vote every rank agreed on (a signal or the time budget on any rank stops all; see
/// train/data_parallel.h), plus the caller's step limit, which every rank reaches at the same step.
struct Trainer::StopDecision : StopVote {
  bool step_limit = false;
};

// ---------------------------------------------------------------------------------------------
// The recipe.

TrainResult Trainer::fit(const FitOptions& options) {
  fit_options_ = options;
  start_ = Clock::now();
  window_.reset();
  first_step_ = state_.step;
  apply_phase();
  set_train_mode();
  loss_->train();
  spdlog::info("[train] starting at step {} of {}", state_.step, total_steps_);
  begin();
  if (!config_.train.init_from.empty() && state_.step == 0 && has_evaluator()) {
    // Fine-tuning: every set's accuracy before the first step is the baseline "after" is read against.
    if (const auto e = evaluate("before"))
      for (const auto& set : e->result.sets) state_.baseline.emplace_back(set.name, set.report.metrics.accuracy_mean);
  } else if (config_.train.eval_every_minutes > 0 && state_.step == 0) {
    evaluate("step-0");  // a time series of held-out accuracy starts from the untrained network
  }

  while (state_.step < total_steps_) {
    const auto stop = agree_to_stop();
    if (stop.signal != 0 || stop.step_limit || stop.out_of_time) {
      stop_early(stop);
      break;
    }
    train_step(next_batch());
    if (epoch_finished()) {
      end_of_epoch((state_.step + steps_per_epoch_ - 1) / steps_per_epoch_);
    } else if (evaluation_due()) {
      evaluate("step-" + std::to_string(state_.step));
    }
  }
  finish();
  return result_;
}

// ---------------------------------------------------------------------------------------------
// Set-up.

Trainer::Trainer(const Config& config) : Trainer(config, RunContext::create(config)) {}

Trainer::Trainer(const Config& config, std::shared_ptr<RunContext> context)
    : config_(config), ctx_(std::move(context)), parallel_(ctx_->dist.get()) {
  result_.rank = ctx_->launch.rank;
  result_.run_dir = ctx_->run_dir.string();
  if (config_.train.amp != Amp::None) {
    const auto caps = device_caps(ctx_->device.type());
    precision_ = resolve_training_precision(config_.train.amp, caps);
    const auto level = bf16_slower_here(precision_, caps) ? spdlog::level::warn : spdlog::level::info;
    spdlog::log(level, "[train] train.amp {}: training in {} ({})", to_string(config_.train.amp),
                to_string(precision_), bf16_speed_note(caps));
  }
  scaler_ = GradScaler(precision_ == Precision::FP16);
  build_data();
  state_.identities = identities_digest(dataset_.identities);
  build_model();
  build_evaluator();
  state_.world_size = ctx_->world();
  if (ctx_->dist) ctx_->dist->broadcast(model_state());  // all ranks start from rank 0's weights
  // Every check that depends on the device (train.amp above), the data or the config (the
  // dataset, the head, eval.sets and eval.best_by) has passed: only now does the run get a folder.
  ctx_->open_run_folder(config_);
  if (is_main()) add_default_listeners();
}

Trainer::~Trainer() = default;

void Trainer::add_listener(std::shared_ptr<TrainingListener> listener) {
  if (begun_) listener->on_train_begin(*this);  // it missed the start
  listeners_.add(std::move(listener));
}

/// Listeners set up their outputs once, before the first step, whoever drives the loop.
void Trainer::begin() {
  if (begun_) return;
  begun_ = true;
  listeners_.each([&](TrainingListener& l) { l.on_train_begin(*this); });
}

void Trainer::add_default_listeners() {
  listeners_.add(std::make_shared<MetricsFiles>());
  listeners_.add(std::make_shared<ProgressLine>());
  listeners_.add(std::make_shared<EvalHistory>());
  listeners_.add(std::make_shared<CheckpointRotation>());
  listeners_.add(std::make_shared<TensorBoardEvents>());
  listeners_.add(std::make_shared<BeforeAfterReport>());
}

void Trainer::build_data() {
  auto dataset = data::load_dataset(config_.data);
  if (config_.data.val_split > 0) {
    auto split = data::split_dataset(dataset, config_.data.val_split, config_.data.val_split_by,
                                     static_cast<uint64_t>(config_.runtime.seed));
    spdlog::info("[data] validation split: {} train / {} held-out images", split.train.size(), split.val.size());
    dataset = std::move(split.train);
    val_ = std::move(split.val);
  }
  dataset_ = std::move(dataset);
  const auto& t = config_.train;
  const int64_t global_batch = t.batch_size * ctx_->world();
  // An epoch is one pass over the data in global batches, however many processes share them.
  steps_per_epoch_ = t.steps_per_epoch > 0 ? t.steps_per_epoch : std::max<int64_t>(1, dataset_.size() / global_batch);
  total_steps_ = t.epochs * steps_per_epoch_;
  if (t.max_steps > 0) total_steps_ = std::min(total_steps_, t.max_steps);
  spdlog::info("[train] {} steps per epoch, {} steps in all", steps_per_epoch_, total_steps_);
}

void Trainer::build_model() {
  model_ = models::make_model(config_.model);
  const int64_t classes = config_.loss.has_head() ? dataset_.num_classes() : 0;
  loss_ = losses::FaceNetLoss(config_.loss, classes, config_.model.embedding_size).ptr();
  model_->to(ctx_->device);
  loss_->to(ctx_->device);
  // A resumed run's weights come from its checkpoint (Trainer::resume), never again from the source.
  if (!config_.train.init_from.empty() && !ctx_->resuming) init_from_source();
  model_->use_channels_last(config_.runtime.channels_last);
  plan_ = plan_parameters(config_.train, *model_, *loss_);
  std::vector<std::vector<torch::Tensor>> groups;
  for (const auto& g : plan_.groups) groups.push_back(g.params);
  optimizer_ = make_optimizer(config_.train, groups);
  trainable_ = plan_.trainable();
  const auto& t = config_.train;
  head_only_steps_ = t.head_only_steps > 0 ? t.head_only_steps : std::llround(t.head_only_epochs * double(steps_per_epoch_));
  spdlog::info("[model] {} with {}-d embeddings: {} parameters (+{} in the training head)",
               to_string(config_.model.backbone), config_.model.embedding_size, models::count_parameters(*model_),
               models::count_parameters(*loss_));
  if (!plan_.frozen.empty())
    spdlog::info("[train] frozen (weights and BatchNorm statistics): {} ({} parameters)", fmt::join(plan_.frozen, ", "),
                 plan_.frozen_elements);
  if (plan_.groups.size() > 1)
    for (const auto& g : plan_.groups)
      spdlog::info("[train] optimiser group {}: lr x{} ({} tensors)", g.name, g.lr_mult, g.params.size());
}

/// train.init_from: the network's weights from another file, checked tensor by tensor before
/// anything trains; its digest goes into this run's config (config.yaml and every checkpoint).
void Trainer::init_from_source() {
  const auto& t = config_.train;
  const auto weights = read_init_weights(t.init_from, *model_, t.init_head, config_.loss.head);
  if (!t.init_digest.empty() && t.init_digest != weights.digest)
    throw ConfigError(fmt::format("train.init_digest: '{}' is {}, the config expects {} (another file, or changed since)",
                                  t.init_from, weights.digest, t.init_digest));
  if (t.init_head && weights.head_identities != state_.identities)
    throw ConfigError(fmt::format("train.init_head: the head of '{}' was trained for other identities ({}) than this "
                                  "dataset's ({}); set train.init_head false for a new head",
                                  t.init_from, weights.head_identities.empty() ? "not recorded" : weights.head_identities,
                                  state_.identities));
  load_init_weights(weights, *model_, t.init_head ? loss_.get() : nullptr);
  config_.train.init_digest = weights.digest;
  spdlog::info("[train] initialised from {} ({}, {}): the network{}; optimiser and schedule start fresh", t.init_from,
               weights.kind, weights.digest, t.init_head ? " and its classification head" : ", a new classification head");
}

/// The head-only phase holds the whole network (weights and BatchNorm statistics); then
/// freezing follows train.freeze / trainable_from. Decided by the step, so a resume agrees.
void Trainer::apply_phase() {
  const int phase = head_only() ? 0 : 1;
  if (phase == phase_) return;
  if (phase == 0) spdlog::info("[train] steps {}-{}: only the classification head trains", state_.step + 1, head_only_steps_);
  if (phase == 1 && phase_ == 0) spdlog::info("[train] step {}: the network trains from here", state_.step + 1);
  phase_ = phase;
  hold_network(plan_, phase == 0);
  set_train_mode();
}

void Trainer::set_train_mode() {
  train::set_train_mode(*model_, plan_.frozen, config_.train.freeze_bn || phase_ == 0);
}

std::vector<BeforeAfter> Trainer::before_after() const {
  std::vector<BeforeAfter> out;
  for (const auto& [name, accuracy] : state_.baseline) {
    BeforeAfter b{name, "", accuracy, -1};
    if (last_result_)
      for (const auto& set : last_result_->sets)
        if (set.name == name) b.key = set.key, b.after = set.report.metrics.accuracy_mean;
    out.push_back(b);
  }
  return out;
}

namespace {

/// Relative eval.sets entries resolve against the dataset folder: data.root, else data.rec's
/// folder (data.rec itself when it is a folder), else the working directory.
std::string sets_base(const DataConfig& data) {
  if (!data.root.empty()) return data.root;
  if (!data.rec.empty())
    return std::filesystem::is_directory(data.rec) ? data.rec : std::filesystem::path(data.rec).parent_path().string();
  return "";
}

}  // namespace

void Trainer::build_evaluator() {
  const auto& t = config_.train;
  if (!is_main() || (t.eval_every_epochs == 0 && t.eval_every_minutes == 0)) return;
  auto sets = eval::open_eval_suite(config_.eval, sets_base(config_.data));
  if (sets.empty()) return;
  // One compiled network per evaluation, shared by every set.
  const auto forward = infer::network_inference_fn(
      model_, inference_precision(config_.runtime.inference_dtype, ctx_->device.type()));
  eval_network_ = {infer::files_embed_fn(forward, config_.data.preprocess, ctx_->data_workers),
                   infer::bytes_embed_fn(forward, config_.data.preprocess, ctx_->data_workers), ""};
  eval_sets_ = std::make_unique<eval::EvalSuite>(std::move(sets));
}

void Trainer::resume(const Checkpoint& checkpoint) {
  if (begun_) throw Error("Trainer::resume(" + checkpoint.path() + ") must come before the first step");
  // Every rank reads the checkpoint (so it must be reachable at the same path everywhere).
  checkpoint.load_into(*model_, loss_.get(), optimizer_.get(), /*restore_rng=*/true);
  const int world = ctx_->world();
  state_ = checkpoint.info().state;
  scaler_ = GradScaler(precision_ == Precision::FP16, {state_.loss_scale, state_.loss_scale_growth_tracker});
  spdlog::info("[train] resumed from {} at step {} (epoch {})", checkpoint.path(), state_.step, state_.epoch);
  if (state_.world_size != world)
    spdlog::info("[train] the checkpoint was written by {} process(es), this run has {} (global batch {})",
                 state_.world_size, world, config_.train.batch_size * world);
  loader_.reset();  // rebuilt from the restored sampler state on first use
  if (ctx_->dist) ctx_->dist->broadcast(model_state());
}

data::BatchLoader& Trainer::loader() {
  if (loader_) return *loader_;
  // Every rank draws the same global batches and loads its own share of each.
  const int world = ctx_->world();
  auto sampler = data::BatchSampler::from_config(dataset_, config_.data, config_.train.batch_size * world,
                                                 static_cast<uint64_t>(config_.runtime.seed),
                                                 !config_.loss.has_triplet_term());
  // With another number of processes the global batch may differ: the sampler's stream then
  // continues in the new batch size (the step count and schedule position stay).
  if (!state_.sampler.empty()) sampler.restore(state_.sampler, /*any_batch_size=*/state_.world_size != world);
  state_.world_size = world;
  auto data_config = config_.data;
  data_config.workers = ctx_->data_workers;
  loader_ = std::make_unique<data::BatchLoader>(dataset_, std::move(sampler), data_config,
                                                static_cast<uint64_t>(config_.runtime.seed), state_.step,
                                                /*augment=*/true, data::Shard{ctx_->launch.rank, world});
  return *loader_;
}

// ---------------------------------------------------------------------------------------------
// One step.

data::Batch Trainer::next_batch() {
  const auto wait_start = Clock::now();
  auto batch = loader().next();
  pending_wait_s_ += std::chrono::duration<double>(Clock::now() - wait_start).count();
  return batch;
}

StepStats Trainer::train_step(const data::Batch& batch) {
  begin();
  apply_phase();
  const auto& t = config_.train;
  const int world = ctx_->world();
  StepStats s;
  s.epoch = double(state_.step) / double(steps_per_epoch_);
  const double total_epochs = double(total_steps_) / double(steps_per_epoch_);
  const double schedule_pos =
      t.schedule_by_time ? std::max(s.epoch, elapsed_minutes_ / t.max_minutes * total_epochs) : s.epoch;
  s.lr = learning_rate(t, schedule_pos, total_epochs);
  auto& groups = optimizer_->param_groups();
  for (std::size_t i = 0; i < groups.size(); ++i) {
    const double lr = s.lr * plan_.groups[i].lr_mult;
    groups[i].options().set_lr(lr);
    if (groups.size() > 1) s.group_lrs.emplace_back(plan_.groups[i].name, lr);
  }

  auto images = batch.images.to(ctx_->device);
  auto labels = batch.labels.to(ctx_->device);
  models::FaceNetOutput out;
  {
    // Mixed precision covers the network only; its head hands back fp32, so the losses, the
    // classifier and the normalisation run in fp32 outside the autocast region.
    AutocastScope autocast(precision_, ctx_->device.type());
    out = model_->forward_train(images);
  }
  const bool gather = t.gather_embeddings;
  auto loss = parallel_.loss(*loss_, out.prelogits, out.embeddings, labels, gather);
  const double local_total = loss.total.item<double>();
  // Reported values are means over the ranks, and every rank learns whether any of them met a
  // non-finite loss before anyone waits in backward.
  const auto stats = parallel_.step_figures({std::isfinite(local_total) ? 0.0 : 1.0, local_total, loss.ce.item<double>(),
                                             loss.triplet.item<double>(), loss.accuracy.item<double>(),
                                             loss.active_fraction.item<double>()});
  if (stats[0] > 0) throw_non_finite(local_total);

  scaler_.scale(parallel_.objective(loss, config_.loss.triplet_weight, gather)).backward();
  if (ctx_->dist) ctx_->dist->average_gradients(trainable_);
  // fp16: every rank holds the same averaged gradients, so all agree on an overflow.
  const bool overflow = scaler_.unscale(trainable_);
  if (!overflow) {
    if (t.grad_clip > 0) torch::nn::utils::clip_grad_norm_(trainable_, t.grad_clip);
    optimizer_->step();
  }
  const double scale_before = scaler_.state().scale;
  scaler_.update(overflow);
  if (overflow)
    spdlog::warn("[train] fp16 gradients overflowed at step {}: update skipped, loss scale {} -> {}", state_.step + 1,
                 scale_before, scaler_.state().scale);
  state_.loss_scale = scaler_.state().scale;
  state_.loss_scale_growth_tracker = scaler_.state().growth_tracker;
  release_gradients(*optimizer_);
  // As DDP's broadcast_buffers: BatchNorm statistics follow rank 0's (frozen ones never move).
  if (ctx_->dist && !t.freeze_bn) ctx_->dist->broadcast(model_buffers());
  ++state_.step;

  s.step = state_.step;
  s.loss = stats[1], s.ce = stats[2], s.triplet = stats[3], s.accuracy = stats[4], s.active_triplets = stats[5];
  s.images = images.size(0) * world;
  s.data_wait_s = pending_wait_s_;
  pending_wait_s_ = 0;
  listeners_.each([&](TrainingListener& l) { l.on_step(*this, s); });
  log_window(s);
  return s;
}

/// Closes a logging window every train.log_every_steps steps (and at the last step).
void Trainer::log_window(const StepStats& s) {
  window_.add(s.images);
  window_wait_s_ += s.data_wait_s;
  if (first_step_ < 0) first_step_ = s.step - 1;  // steps driven without fit()
  if (s.step % config_.train.log_every_steps != 0 && s.step != total_steps_) return;
  LogWindow w;
  w.last = s;
  w.epoch = s.step / steps_per_epoch_ + (s.step % steps_per_epoch_ ? 1 : 0);
  w.epochs = config_.train.epochs;
  w.total_steps = total_steps_;
  w.images_per_s = window_.rate();
  w.data_wait_fraction = window_wait_s_ / std::max(window_.elapsed_s(), 1e-9);
  const double elapsed = std::chrono::duration<double>(Clock::now() - start_).count();
  w.eta_s = elapsed / double(std::max<int64_t>(1, s.step - first_step_)) * double(total_steps_ - s.step);
  if (config_.train.max_minutes > 0) w.eta_s = std::min(w.eta_s, config_.train.max_minutes * 60.0 - elapsed);
  listeners_.each([&](TrainingListener& l) { l.on_log(*this, w); });
  window_.reset();
  window_wait_s_ = 0;
}

void Trainer::throw_non_finite(double local_total) {
  const auto last = checkpoint_path("last.pt");
  const std::string value = std::isfinite(local_total) ? "on another process" : "(" + std::to_string(local_total) + ")";
  throw Error("non-finite loss " + value + " at step " + std::to_string(state_.step + 1) + ", epoch " +
              std::to_string(state_.epoch + 1) + "; stopped without saving. The last good checkpoint " +
              (fs::exists(last) ? "is " + last : std::string("does not exist yet")) +
              " (try a lower train.lr or train.grad_clip)");
}

// ---------------------------------------------------------------------------------------------
// Evaluation, checkpoints, stopping.

double Trainer::minutes_since_start() const {
  return std::chrono::duration<double>(Clock::now() - start_).count() / 60.0;
}

std::string Trainer::checkpoint_path(const std::string& name) const {
  return (ctx_->run_dir / "checkpoints" / name).string();
}

std::string Trainer::save(const std::string& name) {
  const auto path = checkpoint_path(name);
  if (!is_main()) return path;
  state_.sampler = loader().sampler_state();
  listeners_.each([&](TrainingListener& l) { l.on_before_checkpoint(*this, path); });
  save_checkpoint(path, CheckpointParts{config_, state_, loss_->num_classes(), *model_, loss_.get(),
                                        optimizer_.get()});
  if (name == "best.pt") result_.best_checkpoint = path;
  listeners_.each([&](TrainingListener& l) { l.on_checkpoint(*this, path); });
  return path;
}

std::optional<Evaluation> Trainer::evaluate(const std::string& name) { return evaluate_into(name, false); }

std::optional<Evaluation> Trainer::evaluate_into(const std::string& name, bool track_best) {
  if (!has_evaluator()) return std::nullopt;
  Evaluation e;
  e.name = name;
  e.step = state_.step;
  e.epoch = double(state_.step) / double(steps_per_epoch_);
  e.out_dir = (ctx_->run_dir / "eval" / name).string();
  e.result = eval_sets_->run(eval_network_, e.out_dir);
  e.minutes = minutes_since_start();
  const double score = e.result.best_score();
  state_.threshold_at_far = e.result.sets.front().report.metrics.threshold_at_far;
  state_.last_accuracy = result_.final_accuracy = score;
  if (track_best && score > state_.best_accuracy) {
    state_.best_accuracy = score;
    e.improved = true;
  }
  last_eval_minutes_ = e.minutes;
  if (name != "before") last_result_ = e.result;
  listeners_.each([&](TrainingListener& l) { l.on_evaluation(*this, e); });
  set_train_mode();
  return e;
}

bool Trainer::epoch_finished() const { return state_.step % steps_per_epoch_ == 0 || state_.step == total_steps_; }

bool Trainer::evaluation_due() const {
  return has_evaluator() && config_.train.eval_every_minutes > 0 &&
         minutes_since_start() - last_eval_minutes_ >= config_.train.eval_every_minutes;
}

/// Rank 0 validates, evaluates and writes checkpoints while the other ranks wait for it.
void Trainer::end_of_epoch(int64_t epoch) {
  state_.epoch = epoch;
  if (is_main()) {
    const auto& t = config_.train;
    if (config_.data.val_split > 0 && config_.data.val_split_by == SplitBy::Image) {
      const double acc = validation_accuracy();
      if (acc >= 0) {
        spdlog::info("[train] epoch {}: held-out image classification accuracy {:.4f}", epoch, acc);
        listeners_.each([&](TrainingListener& l) { l.on_validation(*this, epoch, acc); });
      }
    }
    bool improved = false;
    if ((t.eval_every_epochs > 0 && epoch % t.eval_every_epochs == 0) || state_.step >= total_steps_)
      if (const auto e = evaluate_into("epoch-" + std::to_string(epoch), true)) improved = e->improved;
    listeners_.each([&](TrainingListener& l) { l.on_epoch_end(*this, epoch, improved); });
  }
  if (ctx_->dist) ctx_->dist->barrier("end of epoch " + std::to_string(epoch));
  set_train_mode();  // evaluation switched it to inference mode
}

/// Top-1 of the classifier on the held-out images (data.val_split by image keeps the labels).
double Trainer::validation_accuracy() {
  if (val_.size() == 0 || !loss_->classifier()) return -1;
  torch::NoGradGuard no_grad;
  model_->eval();
  std::vector<int64_t> labels;
  for (const auto& s : val_.samples) labels.push_back(s.label);
  // Through the data layer, so pack samples (no path) load from their records.
  const auto predicted = infer::map_batches(val_.size(), config_.eval.batch_size, "validation", [&](int64_t begin, int64_t end) {
    std::vector<int64_t> indices;
    for (int64_t i = begin; i < end; ++i) indices.push_back(i);
    auto x = data::load_sample_images(val_, indices, config_.data.preprocess, false, ctx_->data_workers);
    auto out = model_->forward_train(x.to(ctx_->device));
    return loss_->classifier()->scores(out.prelogits).argmax(1).cpu();
  });
  set_train_mode();
  const auto correct = predicted.eq(torch::tensor(labels)).sum().item<int64_t>();
  return double(correct) / double(val_.size());
}

Trainer::StopDecision Trainer::agree_to_stop() {
  StopVote vote;
  if (fit_options_.stop_signal) vote.signal = fit_options_.stop_signal->load();
  vote.minutes = minutes_since_start();
  vote.out_of_time = config_.train.max_minutes > 0 && vote.minutes >= config_.train.max_minutes;
  StopDecision d{parallel_.agree(vote)};
  elapsed_minutes_ = d.minutes;
  d.step_limit = fit_options_.stop_after_steps > 0 && state_.step >= fit_options_.stop_after_steps;
  return d;
}

void Trainer::stop_early(const StopDecision& stop) {
  if (stop.signal != 0) {
    result_.stop_signal = stop.signal;
    spdlog::warn("[train] signal {} received: saving at step {} and stopping", stop.signal, state_.step);
    save("last.pt");
  } else if (stop.step_limit) {
    spdlog::info("[train] stopping after step {} as asked; resume with --resume {}", state_.step,
                 ctx_->run_dir.string());
    save("last.pt");
  } else {  // out of time: the run ends here as if its schedule had
    spdlog::info("[train] wall-clock budget of {} min reached at step {}", config_.train.max_minutes, state_.step);
    total_steps_ = state_.step;
    end_of_epoch(state_.epoch + 1);
  }
}

void Trainer::finish() {
  result_.steps = state_.step;
  result_.last_checkpoint = checkpoint_path("last.pt");
  result_.before_after = before_after();
  if (loader_ && loader_->corrupt_files() > 0)
    spdlog::warn("[data] {} unreadable image(s) were skipped ({} substitutions)", loader_->corrupt_files(),
                 loader_->substitutions());
  listeners_.each([&](TrainingListener& l) { l.on_train_end(*this, result_); });
  parallel_.check_identical(model_state(), state_.step);
}

/// Parameters and buffers of the network and the loss head, in a fixed order.
std::vector<torch::Tensor> Trainer::model_state() const {
  std::vector<torch::Tensor> out;
  for (const torch::nn::Module* m : {static_cast<const torch::nn::Module*>(model_.get()),
                                    static_cast<const torch::nn::Module*>(loss_.get())}) {
    for (const auto& p : m->parameters()) out.push_back(p);
    for (const auto& b : m->buffers()) out.push_back(b);
  }
  return out;
}

std::vector<torch::Tensor> Trainer::model_buffers() const {
  std::vector<torch::Tensor> out;
  for (const auto& b : model_->buffers()) out.push_back(b);
  return out;
}

// ---------------------------------------------------------------------------------------------

TrainResult train(const Config& config, const TrainOptions& options) {
  if (options.resume_checkpoint.empty()) {
    Trainer trainer(config, RunContext::create(config, "", options.on_run_folder));
    return trainer.fit({options.stop_signal, options.stop_after_steps});
  }
  const auto checkpoint = Checkpoint::open(options.resume_checkpoint);
  Trainer trainer(config, RunContext::create(config, checkpoint.run_dir(), options.on_run_folder));
  trainer.resume(checkpoint);
  return trainer.fit({options.stop_signal, options.stop_after_steps});
}

}  // namespace facenet::train
