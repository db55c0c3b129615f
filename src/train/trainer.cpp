#include "facenet/train/trainer.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <iomanip>
#include <sstream>
#include <thread>

#include "facenet/core/config_yaml.h"
#include "facenet/core/error.h"
#include "facenet/core/fs.h"
#include "facenet/core/logging.h"
#include "facenet/core/runtime.h"
#include "facenet/data/dataset.h"
#include "facenet/data/loader.h"
#include "facenet/data/preprocess.h"
#include "facenet/data/sampler.h"
#include "facenet/eval/evaluator.h"
#include "facenet/eval/history.h"
#include "facenet/eval/network_embed.h"
#include "facenet/losses/facenet_loss.h"
#include "facenet/models/facenet.h"
#include "facenet/train/checkpoint.h"
#include "facenet/train/distributed.h"
#include "facenet/train/launch_env.h"
#include "facenet/train/lr_schedule.h"
#include "facenet/train/metrics_log.h"
#include "facenet/train/optimizer.h"

namespace facenet::train {
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

std::string resolve_resume(const std::string& target) {
  if (fs::is_directory(target)) {
    const auto last = fs::path(target) / "checkpoints" / "last.pt";
    if (!fs::exists(last)) throw Error("no checkpoint to resume in '" + target + "' (expected " + last.string() + ")");
    return last.string();
  }
  if (!fs::exists(target)) throw Error("resume target '" + target + "' does not exist");
  return target;
}

namespace {

std::string timestamp() {
  const auto now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  localtime_r(&now, &tm);
  std::ostringstream os;
  os << std::put_time(&tm, "%Y%m%d-%H%M%S");
  return os.str();
}

std::string format_duration(double seconds) {
  const auto s = static_cast<int64_t>(std::max(0.0, seconds));
  std::ostringstream os;
  if (s >= 3600) os << s / 3600 << "h";
  os << std::setw(s >= 3600 ? 2 : 1) << std::setfill('0') << (s % 3600) / 60 << "m" << std::setw(2) << s % 60 << "s";
  return os.str();
}

/// Puts `module` in training mode; with `freeze_bn` its BatchNorm layers stay in inference
/// mode (running statistics used, never updated).
void set_train_mode(torch::nn::Module& module, bool freeze_bn) {
  module.train();
  if (!freeze_bn) return;
  for (const auto& m : module.modules(/*include_self=*/false))
    if (dynamic_cast<torch::nn::BatchNorm1dImpl*>(m.get()) || dynamic_cast<torch::nn::BatchNorm2dImpl*>(m.get()))
      m->eval();
}

/// With several processes per machine, "all cores" means this process's share of them.
int64_t per_process(int64_t configured, const LaunchEnv& launch) {
  if (configured > 0 || !launch.distributed()) return configured;
  const int64_t cores = std::max(1u, std::thread::hardware_concurrency());
  return std::max<int64_t>(1, cores / launch.local_world_size);
}

/// Keeps the newest `keep` periodic checkpoints (epoch-NNNN.pt).
void prune_periodic(const fs::path& dir, int64_t keep) {
  std::vector<fs::path> periodic;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().filename().string().rfind("epoch-", 0) == 0 && e.path().extension() == ".pt")
      periodic.push_back(e.path());
  std::sort(periodic.begin(), periodic.end());
  for (std::size_t i = 0; i + keep < periodic.size(); ++i) fs::remove(periodic[i]);
}

class Trainer {
 public:
  Trainer(Config config, const TrainOptions& options) : config_(std::move(config)), options_(options) {}

  TrainResult run() {
    launch_ = read_launch_env();
    auto runtime_config = config_.runtime;
    runtime_config.threads = per_process(runtime_config.threads, launch_);
    data_config_ = config_.data;
    data_config_.workers = per_process(data_config_.workers, launch_);
    if (launch_.distributed() && runtime_config.device == "auto" && torch::cuda::is_available())
      runtime_config.device = "cuda:" + std::to_string(launch_.local_rank);  // one GPU per local process
    if (launch_.distributed() && !launch_.is_main()) quiet_worker_log(launch_.rank);
    const auto runtime = apply_runtime(runtime_config);
    device_ = torch::Device(runtime.device);
    if (launch_.distributed())
      dist_ = std::make_unique<Distributed>(launch_, config_.runtime.dist_backend, config_.runtime.dist_timeout_s,
                                            runtime.device);
    result_.rank = launch_.rank;
    setup_run_dir();
    spdlog::info("[train] run folder {}", run_dir_.string());
    spdlog::info("[train] {} threads, device {}", runtime.threads, runtime.device);
    if (dist_)
      spdlog::info("[dist] {} processes ({}), {} images per process, global batch {}", world(),
                   dist_->backend_name(), config_.train.batch_size, global_batch());
    if (config_.train.amp) spdlog::warn("[train] train.amp: mixed precision is not implemented yet; training in fp32");
    build_data();
    build_model();
    restore_if_resuming();
    build_evaluator();
    loop();
    return result_;
  }

 private:
  bool is_main() const { return !dist_ || dist_->is_main(); }
  int world() const { return dist_ ? dist_->world_size() : 1; }
  int64_t global_batch() const { return config_.train.batch_size * world(); }

  /// Rank 0 alone owns the run folder; the others learn its name.
  void setup_run_dir() {
    if (!options_.resume_checkpoint.empty()) {
      // RUN/checkpoints/last.pt -> RUN
      run_dir_ = fs::absolute(options_.resume_checkpoint).parent_path().parent_path();
    } else if (!config_.train.output_dir.empty()) {
      run_dir_ = config_.train.output_dir;
    } else {
      run_dir_ = fs::path("runs") / (config_.train.name + "-" + timestamp());
    }
    if (dist_) run_dir_ = dist_->share("run_dir", run_dir_.string());
    result_.run_dir = run_dir_.string();
    if (!is_main()) return;
    fs::create_directories(run_dir_ / "checkpoints");
    write_file_atomic((run_dir_ / "config.yaml").string(), to_yaml(config_));
    add_log_file((run_dir_ / "train.log").string());
  }

  void build_data() {
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
    // An epoch is one pass over the data in global batches, however many processes share them.
    steps_per_epoch_ =
        t.steps_per_epoch > 0 ? t.steps_per_epoch : std::max<int64_t>(1, dataset_.size() / global_batch());
    total_steps_ = t.epochs * steps_per_epoch_;
    if (t.max_steps > 0) total_steps_ = std::min(total_steps_, t.max_steps);
    spdlog::info("[train] {} steps per epoch, {} steps in all", steps_per_epoch_, total_steps_);
  }

  void build_model() {
    model_ = models::make_model(config_.model);
    const bool classifier = has_classifier(config_.loss.type);
    loss_ = losses::FaceNetLoss(config_.loss, classifier ? dataset_.num_classes() : 0, config_.model.embedding_size);
    model_->to(device_);
    loss_->to(device_);
    model_->use_channels_last(config_.runtime.channels_last);
    auto params = model_->parameters();
    for (auto& p : loss_->parameters()) params.push_back(p);
    optimizer_ = make_optimizer(config_.train, params);
    trainable_ = params;
    spdlog::info("[model] {} with {}-d embeddings: {} parameters (+{} in the training head)",
                 to_string(config_.model.backbone), config_.model.embedding_size,
                 models::count_parameters(*model_), models::count_parameters(*loss_));
  }

  void restore_if_resuming() {
    // Every rank draws the same global batches and loads its own share of each.
    auto sampler = data::BatchSampler::from_config(dataset_, config_.data, global_batch(),
                                                   static_cast<uint64_t>(config_.runtime.seed),
                                                   !has_triplet(config_.loss.type));
    int64_t first_index = 0;
    metrics_ = std::make_unique<MetricsLog>(run_dir_.string());
    if (!options_.resume_checkpoint.empty()) {
      // Every rank reads the checkpoint (so it must be reachable at the same path everywhere).
      const auto info = read_checkpoint_info(options_.resume_checkpoint);
      load_checkpoint(options_.resume_checkpoint, *model_, loss_.ptr().get(), optimizer_.get(), /*restore_rng=*/true);
      state_ = info.state;
      // With another number of processes the global batch may differ: the sampler's stream
      // then continues in the new batch size (the step count and schedule position stay).
      sampler.restore(state_.sampler, /*any_batch_size=*/state_.world_size != world());
      first_index = state_.step;
      if (is_main()) metrics_->resume(state_.step + 1);
      spdlog::info("[train] resumed from {} at step {} (epoch {})", options_.resume_checkpoint, state_.step,
                   state_.epoch);
      if (state_.world_size != world())
        spdlog::info("[train] the checkpoint was written by {} process(es), this run has {} (global batch {})",
                     state_.world_size, world(), global_batch());
    }
    state_.world_size = world();
    loader_ = std::make_unique<data::BatchLoader>(dataset_, std::move(sampler), data_config_,
                                                  static_cast<uint64_t>(config_.runtime.seed), first_index,
                                                  /*augment=*/true, data::Shard{launch_.rank, world()});
    if (dist_) dist_->broadcast(model_state());  // all ranks start from rank 0's weights
  }

  /// Parameters and buffers of the network and the loss head, in a fixed order.
  std::vector<torch::Tensor> model_state() const {
    std::vector<torch::Tensor> out;
    for (const torch::nn::Module* m : {static_cast<const torch::nn::Module*>(model_.get()),
                                      static_cast<const torch::nn::Module*>(loss_.get())}) {
      for (const auto& p : m->parameters()) out.push_back(p);
      for (const auto& b : m->buffers()) out.push_back(b);
    }
    return out;
  }

  void build_evaluator() {
    const auto& t = config_.train;
    if (!is_main() || config_.eval.pairs.empty() || (t.eval_every_epochs == 0 && t.eval_every_minutes == 0)) return;
    evaluator_ = std::make_unique<eval::Evaluator>(
        config_.eval, eval::network_embed_fn(model_, config_.data.preprocess, static_cast<int>(config_.data.workers)));
  }

  std::string checkpoint_path(const std::string& name) const { return (run_dir_ / "checkpoints" / name).string(); }

  void save(const std::string& name) {
    if (!is_main()) return;
    state_.sampler = loader_->sampler_state();
    save_checkpoint(checkpoint_path(name), CheckpointParts{config_, state_, loss_->num_classes(), *model_,
                                                           loss_.ptr().get(), optimizer_.get()});
  }

  double minutes_since_start() const { return std::chrono::duration<double>(Clock::now() - start_).count() / 60.0; }

  /// Evaluates on eval.pairs into eval/<name>/ and appends to eval/history.{csv,png}.
  double evaluate(int64_t epoch, const std::string& name) {
    const auto out = run_dir_ / "eval" / name;
    auto report = evaluator_->run(out.string());
    const auto& m = report.metrics;
    const double minutes = minutes_since_start();
    spdlog::info("[eval] {} ({:.1f} min): accuracy {:.4f} ± {:.4f}, VAL {:.4f} @ FAR {:.0e}, AUC {:.4f}, EER {:.4f}",
                 name, minutes, m.accuracy_mean, m.accuracy_std, m.val_mean, m.far_target, m.auc, m.eer);
    write_file_atomic((run_dir_ / "eval" / "last_report.json").string(), eval::to_json(report));
    history_.push_back({minutes, state_.step, double(state_.step) / double(steps_per_epoch_), m.accuracy_mean,
                        m.accuracy_std, m.auc});
    write_file_atomic((run_dir_ / "eval" / "history.csv").string(), eval::history_csv(history_));
    eval::write_history_png((run_dir_ / "eval" / "history.png").string(), history_,
                            fmt::format("{}: held-out verification on {}", config_.train.name,
                                        fs::path(config_.eval.pairs).filename().string()));
    last_eval_minutes_ = minutes;
    metrics_->add({{"step", double(state_.step)},
                   {"epoch", double(epoch)},
                   {"minutes", minutes},
                   {"eval_accuracy", m.accuracy_mean},
                   {"eval_accuracy_std", m.accuracy_std},
                   {"eval_val", m.val_mean},
                   {"eval_auc", m.auc},
                   {"eval_eer", m.eer}});
    state_.threshold_at_far = m.threshold_at_far;
    return m.accuracy_mean;
  }

  double validation_accuracy() {
    if (val_.size() == 0 || !loss_->classifier) return -1;
    torch::NoGradGuard no_grad;
    model_->eval();
    int64_t correct = 0;
    const int64_t chunk = config_.eval.batch_size;
    for (int64_t begin = 0; begin < val_.size(); begin += chunk) {
      std::vector<std::string> paths;
      std::vector<int64_t> labels;
      for (int64_t i = begin; i < std::min(val_.size(), begin + chunk); ++i) {
        paths.push_back(val_.samples[i].path);
        // Validation by image keeps identities (and so labels) of the training set.
        labels.push_back(val_.samples[i].label);
      }
      auto x = data::load_images(paths, config_.data.preprocess, false, static_cast<int>(config_.data.workers));
      auto out = model_->forward_train(x.to(device_));
      auto pred = loss_->classifier->scores(out.prelogits).argmax(1).cpu();
      correct += pred.eq(torch::tensor(labels)).sum().item<int64_t>();
    }
    set_train_mode(*model_, config_.train.freeze_bn);
    return double(correct) / double(val_.size());
  }

  void record(MetricRow row) {
    if (is_main()) metrics_->add(std::move(row));
  }
  void flush_metrics() {
    if (is_main()) metrics_->flush();
  }

  /// Rank 0 evaluates and writes checkpoints while the other ranks wait for it.
  void end_of_epoch(int64_t epoch) {
    state_.epoch = epoch;
    if (is_main()) main_end_of_epoch(epoch);
    if (dist_) dist_->barrier("end of epoch " + std::to_string(epoch));
    set_train_mode(*model_, config_.train.freeze_bn);  // evaluation switched it to inference mode
  }

  void main_end_of_epoch(int64_t epoch) {
    const auto& t = config_.train;
    const bool last = state_.step >= total_steps_;
    if (config_.data.val_split > 0 && config_.data.val_split_by == SplitBy::Image) {
      const double acc = validation_accuracy();
      if (acc >= 0) {
        spdlog::info("[train] epoch {}: held-out image classification accuracy {:.4f}", epoch, acc);
        record({{"step", double(state_.step)}, {"epoch", double(epoch)}, {"val_accuracy", acc}});
      }
    }
    bool best = false;
    if (evaluator_ && ((t.eval_every_epochs > 0 && epoch % t.eval_every_epochs == 0) || last)) {
      state_.last_accuracy = evaluate(epoch, "epoch-" + std::to_string(epoch));
      result_.final_accuracy = state_.last_accuracy;
      if (state_.last_accuracy > state_.best_accuracy) {
        state_.best_accuracy = state_.last_accuracy;
        best = true;
      }
    }
    save("last.pt");
    if (best) {
      save("best.pt");
      result_.best_checkpoint = checkpoint_path("best.pt");
    }
    if (t.save_every_epochs > 0 && epoch % t.save_every_epochs == 0) {
      char name[32];
      std::snprintf(name, sizeof(name), "epoch-%04ld.pt", static_cast<long>(epoch));
      save(name);
      prune_periodic(run_dir_ / "checkpoints", t.keep_last);
    }
    metrics_->flush();
  }

  /// Stop decisions every rank must take together, or the others would wait in the next
  /// collective until the timeout: a signal or the time budget on any rank stops all.
  struct StopDecision {
    int signal = 0;
    bool out_of_time = false;
    double minutes = 0;  ///< elapsed, the same on every rank (the slowest's), for schedule_by_time
  };
  StopDecision agree_to_stop(Clock::time_point start) {
    StopDecision d;
    if (options_.stop_signal) d.signal = options_.stop_signal->load();
    const double minutes = std::chrono::duration<double>(Clock::now() - start).count() / 60.0;
    d.out_of_time = config_.train.max_minutes > 0 && minutes >= config_.train.max_minutes;
    d.minutes = minutes;
    if (!dist_) return d;
    const auto agreed = dist_->max({double(d.signal), d.out_of_time ? 1.0 : 0.0, minutes});
    return {static_cast<int>(agreed[0]), agreed[1] > 0, agreed[2]};
  }

  /// The loss of this rank's share. With train.gather_embeddings the triplet term is computed
  /// on the global batch (this rank's rows keep their graph) and the cross-entropy stays local.
  losses::LossOutput compute_loss(const models::FaceNetOutput& out, const torch::Tensor& labels) {
    if (!dist_ || !config_.train.gather_embeddings) return loss_->compute(out.prelogits, out.embeddings, labels);
    const auto layout = losses::batch_layout_for(config_.loss);
    auto embeddings = dist_->all_gather(out.embeddings);
    auto all_labels = dist_->all_gather(labels);
    if (layout == losses::BatchLayout::Thirds) {
      // Rank blocks [a0 p0 n0 | a1 p1 n1 ...] back to the global [a0 a1 .. | p0 p1 .. | n0 n1 ..].
      const int64_t b = labels.size(0), third = b / 3;
      std::vector<int64_t> order;
      for (int64_t part = 0; part < 3; ++part)
        for (int64_t r = 0; r < world(); ++r)
          for (int64_t i = 0; i < third; ++i) order.push_back(r * b + part * third + i);
      const auto index = torch::tensor(order, torch::dtype(torch::kInt64).device(embeddings.device()));
      embeddings = embeddings.index_select(0, index);
      all_labels = all_labels.index_select(0, index);
    }
    return loss_->compute(out.prelogits, labels, embeddings, all_labels, layout);
  }

  /// What this rank back-propagates. Averaging gradients over W ranks divides each rank's
  /// contribution by W; a gathered triplet term is the whole batch's on every rank but only
  /// reaches this rank's rows, so it is scaled by W to give the single-process gradient.
  torch::Tensor objective(const losses::LossOutput& loss) const {
    if (!dist_ || !config_.train.gather_embeddings) return loss.total;
    return loss.total + double(world() - 1) * config_.loss.triplet_weight * loss.triplet;
  }

  [[noreturn]] void throw_non_finite(double local_total) {
    const auto last = checkpoint_path("last.pt");
    const std::string value =
        std::isfinite(local_total) ? "on another process" : "(" + std::to_string(local_total) + ")";
    throw Error("non-finite loss " + value + " at step " + std::to_string(state_.step + 1) + ", epoch " +
                std::to_string(state_.epoch + 1) + "; stopped without saving. The last good checkpoint " +
                (fs::exists(last) ? "is " + last : std::string("does not exist yet")) +
                " (try a lower train.lr or train.grad_clip)");
  }

  /// Fails loudly if ranks no longer hold identical weights (they must, step after step).
  void check_ranks_agree() {
    const auto hash = hash_tensors(model_state());
    if (!dist_->same_everywhere(hash))
      throw Error("distributed training diverged: ranks hold different parameters at step " +
                  std::to_string(state_.step) + " (rank " + std::to_string(dist_->rank()) + " hash " +
                  fmt::format("{:016x}", hash) + ")");
    spdlog::info("[dist] parameters and buffers identical on all {} processes (hash {:016x})", world(), hash);
  }

  void loop() {
    const auto& t = config_.train;
    set_train_mode(*model_, t.freeze_bn);
    loss_->train();
    const auto start = Clock::now();
    start_ = start;
    auto window_start = start;
    double window_wait = 0;
    int64_t window_images = 0;
    const int64_t first_step = state_.step;
    spdlog::info("[train] starting at step {} of {}", state_.step, total_steps_);
    // A time series of held-out accuracy starts from the untrained network.
    if (evaluator_ && t.eval_every_minutes > 0 && state_.step == 0) evaluate(0, "step-0");

    while (state_.step < total_steps_) {
      const auto stop = agree_to_stop(start);
      if (stop.signal != 0) {
        result_.stop_signal = stop.signal;
        spdlog::warn("[train] signal {} received: saving at step {} and stopping", result_.stop_signal, state_.step);
        save("last.pt");
        flush_metrics();
        break;
      }
      if (options_.stop_after_steps > 0 && state_.step >= options_.stop_after_steps) {
        spdlog::info("[train] stopping after step {} as asked; resume with --resume {}", state_.step,
                     run_dir_.string());
        save("last.pt");
        flush_metrics();
        break;
      }
      if (stop.out_of_time) {
        spdlog::info("[train] wall-clock budget of {} min reached at step {}", t.max_minutes, state_.step);
        total_steps_ = state_.step;
        end_of_epoch(state_.epoch + 1);
        break;
      }

      const auto wait_start = Clock::now();
      auto batch = loader_->next();
      window_wait += std::chrono::duration<double>(Clock::now() - wait_start).count();

      const double epoch_pos = double(state_.step) / double(steps_per_epoch_);
      const double total_epochs = double(total_steps_) / double(steps_per_epoch_);
      const double schedule_pos =
          t.schedule_by_time ? std::max(epoch_pos, stop.minutes / t.max_minutes * total_epochs) : epoch_pos;
      const double lr = learning_rate(t, schedule_pos, total_epochs);
      for (auto& group : optimizer_->param_groups()) group.options().set_lr(lr);

      auto images = batch.images.to(device_);
      auto labels = batch.labels.to(device_);
      auto out = model_->forward_train(images);
      auto loss = compute_loss(out, labels);
      const double local_total = loss.total.item<double>();
      // Reported values are means over the ranks; one all-reduce also tells every rank
      // whether any of them met a non-finite loss, before anyone waits in backward.
      std::vector<double> stats{std::isfinite(local_total) ? 0.0 : 1.0, local_total, loss.ce.item<double>(),
                                loss.triplet.item<double>(), loss.accuracy.item<double>(),
                                loss.active_fraction.item<double>()};
      if (dist_) {
        stats = dist_->sum(stats);
        for (std::size_t i = 1; i < stats.size(); ++i) stats[i] /= world();
      }
      if (stats[0] > 0) throw_non_finite(local_total);
      const double total = stats[1];

      objective(loss).backward();
      if (dist_) dist_->average_gradients(trainable_);
      if (t.grad_clip > 0) torch::nn::utils::clip_grad_norm_(optimizer_->param_groups()[0].params(), t.grad_clip);
      optimizer_->step();
      release_gradients(*optimizer_);
      // As DDP's broadcast_buffers: BatchNorm statistics follow rank 0's (frozen ones never move).
      if (dist_ && !t.freeze_bn) dist_->broadcast(model_buffers());
      ++state_.step;
      window_images += images.size(0) * world();

      if (state_.step % t.log_every_steps == 0 || state_.step == total_steps_) {
        const auto now = Clock::now();
        const double window = std::chrono::duration<double>(now - window_start).count();
        const double rate = window_images / std::max(window, 1e-9);
        const double elapsed = std::chrono::duration<double>(now - start).count();
        double eta = elapsed / double(state_.step - first_step) * double(total_steps_ - state_.step);
        if (t.max_minutes > 0) eta = std::min(eta, t.max_minutes * 60.0 - elapsed);
        const double ce = stats[2], triplet = stats[3], acc = stats[4], active = stats[5];
        spdlog::info("epoch {}/{} step {}/{} loss {:.4f} (ce {:.4f}, triplet {:.4f}) acc {:.3f} active {:.2f} "
                     "lr {:.2e} {:.0f} img/s data-wait {:.0f}% ETA {}",
                     state_.step / steps_per_epoch_ + (state_.step % steps_per_epoch_ ? 1 : 0), t.epochs,
                     state_.step, total_steps_, total, ce, triplet, acc, active, lr, rate,
                     100.0 * window_wait / std::max(window, 1e-9), format_duration(eta));
        record({{"step", double(state_.step)},
                {"epoch", epoch_pos},
                {"lr", lr},
                {"loss", total},
                {"ce", ce},
                {"triplet", triplet},
                {"accuracy", acc},
                {"active_triplets", active},
                {"images_per_s", rate},
                {"data_wait_fraction", window_wait / std::max(window, 1e-9)}});
        window_start = now;
        window_wait = 0;
        window_images = 0;
      }
      if (state_.step % steps_per_epoch_ == 0 || state_.step == total_steps_) {
        end_of_epoch((state_.step + steps_per_epoch_ - 1) / steps_per_epoch_);
      } else if (evaluator_ && t.eval_every_minutes > 0 &&
                 minutes_since_start() - last_eval_minutes_ >= t.eval_every_minutes) {
        const auto acc = evaluate(state_.step / steps_per_epoch_, "step-" + std::to_string(state_.step));
        result_.final_accuracy = state_.last_accuracy = acc;
      }
    }
    result_.steps = state_.step;
    result_.last_checkpoint = checkpoint_path("last.pt");
    if (loader_->corrupt_files() > 0)
      spdlog::warn("[data] {} unreadable image(s) were skipped ({} substitutions)", loader_->corrupt_files(),
                   loader_->substitutions());
    flush_metrics();
    if (dist_) check_ranks_agree();
  }

  std::vector<torch::Tensor> model_buffers() const {
    std::vector<torch::Tensor> out;
    for (const auto& b : model_->buffers()) out.push_back(b);
    return out;
  }

  Config config_;
  DataConfig data_config_;  ///< config_.data with this process's share of the cores
  TrainOptions options_;
  LaunchEnv launch_;
  std::unique_ptr<Distributed> dist_;  ///< null in a single-process run
  fs::path run_dir_;
  torch::Device device_{torch::kCPU};
  data::Dataset dataset_, val_;
  int64_t steps_per_epoch_ = 1, total_steps_ = 0;
  models::FaceNet model_{nullptr};
  losses::FaceNetLoss loss_{nullptr};
  std::unique_ptr<torch::optim::Optimizer> optimizer_;
  std::vector<torch::Tensor> trainable_;  ///< network and loss-head parameters
  std::unique_ptr<data::BatchLoader> loader_;
  std::unique_ptr<eval::Evaluator> evaluator_;
  std::unique_ptr<MetricsLog> metrics_;
  TrainingState state_;
  TrainResult result_;
  Clock::time_point start_ = Clock::now();
  double last_eval_minutes_ = 0;
  std::vector<eval::HistoryPoint> history_;
};

}  // namespace

TrainResult train(const Config& config, const TrainOptions& options) {
  validate(config);
  Trainer trainer(config, options);
  return trainer.run();
}

}  // namespace facenet::train
