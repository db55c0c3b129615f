#include "facenet/train/trainer.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <iomanip>
#include <sstream>

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
#include "facenet/train/lr_schedule.h"
#include "facenet/train/metrics_log.h"

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

std::unique_ptr<torch::optim::Optimizer> make_optimizer(const TrainConfig& t, std::vector<torch::Tensor> params) {
  switch (t.optimizer) {
    case OptimizerKind::Adam:
      return std::make_unique<torch::optim::Adam>(params, torch::optim::AdamOptions(t.lr).weight_decay(t.weight_decay));
    case OptimizerKind::AdamW:
      return std::make_unique<torch::optim::AdamW>(params,
                                                   torch::optim::AdamWOptions(t.lr).weight_decay(t.weight_decay));
    case OptimizerKind::SGD:
      return std::make_unique<torch::optim::SGD>(
          params, torch::optim::SGDOptions(t.lr).momentum(t.momentum).nesterov(t.nesterov && t.momentum > 0)
                      .weight_decay(t.weight_decay));
  }
  throw ConfigError("unknown train.optimizer");
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
    setup_run_dir();
    const auto runtime = apply_runtime(config_.runtime);
    device_ = torch::Device(runtime.device);
    spdlog::info("[train] run folder {}", run_dir_.string());
    spdlog::info("[train] {} threads, device {}", runtime.threads, runtime.device);
    if (config_.train.amp) spdlog::warn("[train] train.amp: mixed precision is not implemented yet; training in fp32");
    build_data();
    build_model();
    restore_if_resuming();
    build_evaluator();
    loop();
    return result_;
  }

 private:
  void setup_run_dir() {
    if (!options_.resume_checkpoint.empty()) {
      // RUN/checkpoints/last.pt -> RUN
      run_dir_ = fs::absolute(options_.resume_checkpoint).parent_path().parent_path();
    } else if (!config_.train.output_dir.empty()) {
      run_dir_ = config_.train.output_dir;
    } else {
      run_dir_ = fs::path("runs") / (config_.train.name + "-" + timestamp());
    }
    fs::create_directories(run_dir_ / "checkpoints");
    write_file_atomic((run_dir_ / "config.yaml").string(), to_yaml(config_));
    add_log_file((run_dir_ / "train.log").string());
    result_.run_dir = run_dir_.string();
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
    steps_per_epoch_ = t.steps_per_epoch > 0 ? t.steps_per_epoch : std::max<int64_t>(1, dataset_.size() / t.batch_size);
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
    spdlog::info("[model] {} with {}-d embeddings: {} parameters (+{} in the training head)",
                 to_string(config_.model.backbone), config_.model.embedding_size,
                 models::count_parameters(*model_), models::count_parameters(*loss_));
  }

  void restore_if_resuming() {
    auto sampler = data::BatchSampler::from_config(dataset_, config_.data, config_.train.batch_size,
                                                   static_cast<uint64_t>(config_.runtime.seed),
                                                   !has_triplet(config_.loss.type));
    int64_t first_index = 0;
    metrics_ = std::make_unique<MetricsLog>(run_dir_.string());
    if (!options_.resume_checkpoint.empty()) {
      const auto info = read_checkpoint_info(options_.resume_checkpoint);
      load_checkpoint(options_.resume_checkpoint, *model_, loss_.ptr().get(), optimizer_.get(), /*restore_rng=*/true);
      state_ = info.state;
      sampler.restore(state_.sampler);
      first_index = state_.step;
      metrics_->resume(state_.step + 1);
      spdlog::info("[train] resumed from {} at step {} (epoch {})", options_.resume_checkpoint, state_.step,
                   state_.epoch);
    }
    loader_ = std::make_unique<data::BatchLoader>(dataset_, std::move(sampler), config_.data,
                                                  static_cast<uint64_t>(config_.runtime.seed), first_index);
  }

  void build_evaluator() {
    const auto& t = config_.train;
    if (config_.eval.pairs.empty() || (t.eval_every_epochs == 0 && t.eval_every_minutes == 0)) return;
    evaluator_ = std::make_unique<eval::Evaluator>(
        config_.eval, eval::network_embed_fn(model_, config_.data.preprocess, static_cast<int>(config_.data.workers)));
  }

  std::string checkpoint_path(const std::string& name) const { return (run_dir_ / "checkpoints" / name).string(); }

  void save(const std::string& name) {
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
    model_->train();
    return double(correct) / double(val_.size());
  }

  void end_of_epoch(int64_t epoch) {
    state_.epoch = epoch;
    const auto& t = config_.train;
    const bool last = state_.step >= total_steps_;
    if (config_.data.val_split > 0 && config_.data.val_split_by == SplitBy::Image) {
      const double acc = validation_accuracy();
      if (acc >= 0) {
        spdlog::info("[train] epoch {}: held-out image classification accuracy {:.4f}", epoch, acc);
        metrics_->add({{"step", double(state_.step)}, {"epoch", double(epoch)}, {"val_accuracy", acc}});
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

  void loop() {
    const auto& t = config_.train;
    model_->train();
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
      if (options_.stop_signal && options_.stop_signal->load() != 0) {
        result_.stop_signal = options_.stop_signal->load();
        spdlog::warn("[train] signal {} received: saving at step {} and stopping", result_.stop_signal, state_.step);
        save("last.pt");
        metrics_->flush();
        break;
      }
      if (options_.stop_after_steps > 0 && state_.step >= options_.stop_after_steps) {
        spdlog::info("[train] stopping after step {} as asked; resume with --resume {}", state_.step,
                     run_dir_.string());
        save("last.pt");
        metrics_->flush();
        break;
      }
      const double minutes = std::chrono::duration<double>(Clock::now() - start).count() / 60.0;
      if (t.max_minutes > 0 && minutes >= t.max_minutes) {
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
          t.schedule_by_time ? std::max(epoch_pos, minutes / t.max_minutes * total_epochs) : epoch_pos;
      const double lr = learning_rate(t, schedule_pos, total_epochs);
      for (auto& group : optimizer_->param_groups()) group.options().set_lr(lr);

      auto images = batch.images.to(device_);
      auto labels = batch.labels.to(device_);
      auto out = model_->forward_train(images);
      auto loss = loss_->compute(out.prelogits, out.embeddings, labels);
      const double total = loss.total.item<double>();
      if (!std::isfinite(total)) {
        const auto last = checkpoint_path("last.pt");
        throw Error("non-finite loss (" + std::to_string(total) + ") at step " + std::to_string(state_.step + 1) +
                    ", epoch " + std::to_string(state_.epoch + 1) + "; stopped without saving. The last good checkpoint " +
                    (fs::exists(last) ? "is " + last : std::string("does not exist yet")) +
                    " (try a lower train.lr or train.grad_clip)");
      }
      optimizer_->zero_grad();
      loss.total.backward();
      if (t.grad_clip > 0) torch::nn::utils::clip_grad_norm_(optimizer_->param_groups()[0].params(), t.grad_clip);
      optimizer_->step();
      ++state_.step;
      window_images += images.size(0);

      if (state_.step % t.log_every_steps == 0 || state_.step == total_steps_) {
        const auto now = Clock::now();
        const double window = std::chrono::duration<double>(now - window_start).count();
        const double rate = window_images / std::max(window, 1e-9);
        const double elapsed = std::chrono::duration<double>(now - start).count();
        double eta = elapsed / double(state_.step - first_step) * double(total_steps_ - state_.step);
        if (t.max_minutes > 0) eta = std::min(eta, t.max_minutes * 60.0 - elapsed);
        const double acc = loss.accuracy.item<double>();
        const double active = loss.active_fraction.item<double>();
        spdlog::info("epoch {}/{} step {}/{} loss {:.4f} (ce {:.4f}, triplet {:.4f}) acc {:.3f} active {:.2f} "
                     "lr {:.2e} {:.0f} img/s data-wait {:.0f}% ETA {}",
                     state_.step / steps_per_epoch_ + (state_.step % steps_per_epoch_ ? 1 : 0), t.epochs,
                     state_.step, total_steps_, total, loss.ce.item<double>(), loss.triplet.item<double>(), acc,
                     active, lr, rate, 100.0 * window_wait / std::max(window, 1e-9), format_duration(eta));
        metrics_->add({{"step", double(state_.step)},
                       {"epoch", epoch_pos},
                       {"lr", lr},
                       {"loss", total},
                       {"ce", loss.ce.item<double>()},
                       {"triplet", loss.triplet.item<double>()},
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
    metrics_->flush();
  }

  Config config_;
  TrainOptions options_;
  fs::path run_dir_;
  torch::Device device_{torch::kCPU};
  data::Dataset dataset_, val_;
  int64_t steps_per_epoch_ = 1, total_steps_ = 0;
  models::FaceNet model_{nullptr};
  losses::FaceNetLoss loss_{nullptr};
  std::unique_ptr<torch::optim::Optimizer> optimizer_;
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
