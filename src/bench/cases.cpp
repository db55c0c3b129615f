#include "cases.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include <chrono>
#include <filesystem>

#include "facenet/core/config_yaml.h"
#include "facenet/core/precision.h"
#include "facenet/core/runtime.h"
#include "facenet/data/dataset.h"
#include "facenet/data/loader.h"
#include "facenet/data/preprocess.h"
#include "facenet/data/sampler.h"
#include "facenet/data/synth.h"
#include "facenet/eval/evaluator.h"
#include "facenet/export/export.h"
#include "facenet/infer/inference.h"
#include "facenet/infer/network_loader.h"
#include "facenet/losses/facenet_loss.h"
#include "facenet/models/facenet.h"
#include "facenet/train/optimizer.h"
#include "facenet/train/param_groups.h"

namespace facenet::bench {
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

std::string scratch(const BenchOptions& o, const std::string& name) {
  const fs::path base = o.scratch_dir.empty() ? fs::temp_directory_path() / "facenet-bench" : fs::path(o.scratch_dir);
  fs::create_directories(base);
  return (base / name).string();
}

}  // namespace

Config base_config(const BenchOptions& o, const std::string& backbone) {
  // insightface's networks run as arcface_torch runs them: 112 px, 512-d (the backbone's name is
  // read at 112 px first, where every backbone is valid, since validation ties the two).
  Config probe;
  probe.data.preprocess.image_size = 112;
  apply_overrides(probe, {"model.backbone=" + backbone});
  const bool insightface = is_insightface(probe.model.backbone);
  Config c;
  c.data.preprocess.image_size = insightface ? 112 : o.image_size;
  apply_overrides(c, {"model.backbone=" + backbone});
  if (insightface) c.model.embedding_size = 512;
  c.runtime.threads = o.threads;
  apply_runtime(c.runtime);
  return c;
}

double rate(const BenchOptions& o, int64_t per_step, int warmup, const std::function<void()>& step) {
  for (int i = 0; i < warmup; ++i) step();
  double best = 0;
  for (int window = 0; window < 3; ++window) {
    const auto start = Clock::now();
    int64_t steps = 0;
    double elapsed = 0;
    while (steps < 1 || elapsed < o.seconds / 3) {
      step();
      ++steps;
      elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    }
    best = std::max(best, double(steps * per_step) / elapsed);
  }
  return best;
}

namespace {

/// Precision::BF16 for "bf16" (an error on a CPU without native bf16, as train.amp gives),
/// Precision::FP32 for "fp32".
Precision bench_precision(const std::string& name) {
  if (name == "fp32") return Precision::FP32;
  if (name != "bf16") throw std::runtime_error("unknown precision " + name + " (fp32 or bf16)");
  if (!cpu_features().native_bf16()) throw std::runtime_error("this CPU has no native bf16 (AVX512-BF16 or AMX)");
  return Precision::BF16;
}

}  // namespace

std::string bench_inference(const BenchOptions& o, const std::string& backbone, const std::string& path,
                            int64_t batch, const std::string& precision_name) {
  const auto precision = bench_precision(precision_name);
  const auto config = base_config(o, backbone);
  auto model = models::make_model(config.model);
  model->eval();
  const int64_t size = config.data.preprocess.image_size;
  const auto x = torch::randn({batch, 3, size, size});
  std::function<torch::Tensor(const torch::Tensor&)> forward;
  if (path == "eager") {
    if (precision == Precision::BF16) model->use_channels_last(true);  // as PyTorch's bf16 recipe
    forward = [&](const torch::Tensor& in) {
      torch::NoGradGuard no_grad;
      AutocastScope autocast(precision, c10::DeviceType::CPU);
      return model->forward(in);
    };
  } else if (path == "optimised") {
    forward = infer::compile_for_inference(*model, precision);
  } else if (path == "onnx-opencv") {
    if (precision != Precision::FP32) throw std::runtime_error("ONNX runs in fp32 (OpenCV DNN)");
    const auto file = scratch(o, backbone + "-" + std::to_string(::getpid()) + ".onnx");
    infer::ExportMeta meta;
    meta.backbone = config.model.backbone;
    meta.input_size = size;
    meta.preprocess = config.data.preprocess;
    exporting::export_onnx(*model, meta, config.export_, file);
    forward = infer::load_network(file).forward;
    fs::remove(file);
    fs::remove(file + ".json");
  } else {
    throw std::runtime_error("unknown inference path " + path);
  }
  const double r = rate(o, batch, batch == 1 ? 3 : 1, [&] { forward(x); });
  return fmt::format("{};", r);
}

std::string bench_conv_kernel(const BenchOptions& o, const std::string& precision_name) {
  const auto precision = bench_precision(precision_name);
  RuntimeConfig rc;
  rc.threads = o.threads;
  apply_runtime(rc);
  const auto dtype = precision == Precision::BF16 ? torch::kBFloat16 : torch::kFloat;
  constexpr int64_t batch = 32, channels = 128, side = 20;
  const auto cl = torch::MemoryFormat::ChannelsLast;
  const auto x = torch::randn({batch, channels, side, side}).to(dtype).contiguous(cl);
  const auto w = torch::randn({channels, channels, 3, 3}).mul_(0.03).to(dtype).contiguous(cl);
  torch::NoGradGuard no_grad;
  const double images_per_s = rate(o, batch, 2, [&] { torch::conv2d(x, w, {}, 1, 1); });
  const double flops_per_image = 2.0 * channels * channels * 9 * side * side;
  return fmt::format("{};3x3 conv {}->{} ch at {}x{}, batch {}, channels-last", images_per_s * flops_per_image / 1e9,
                     channels, channels, side, side, batch);
}

std::string bench_macs(const BenchOptions& o, const std::string& backbone) {
  const auto config = base_config(o, backbone);
  auto model = models::make_model(config.model);
  return fmt::format("{};", infer::inference_macs(*model, config.data.preprocess.image_size));
}

namespace {

/// One optimiser step as the trainer takes it: channels-last model, CE + triplet, the
/// configured optimiser (the default config's: Adam, lr 1e-3).
struct TrainingStep {
  TrainingStep(const Config& config, int64_t classes)
      : model(models::make_model(config.model)), loss(config.loss, classes, config.model.embedding_size) {
    model->use_channels_last(config.runtime.channels_last);
    // As the trainer: frozen blocks (train.trainable_from) get no gradient and keep their BN statistics.
    const auto plan = train::plan_parameters(config.train, *model, *loss);
    optimizer = train::make_optimizer(config.train, plan.trainable());
    train::set_train_mode(*model, plan.frozen, false);
  }
  void operator()(const torch::Tensor& images, const torch::Tensor& labels) {
    models::FaceNetOutput out;
    {
      AutocastScope autocast(precision, c10::DeviceType::CPU);  // the forward only, as the trainer
      out = model->forward_train(images);
    }
    auto l = loss->compute(out.prelogits, out.embeddings, labels);
    l.total.backward();
    optimizer->step();
    train::release_gradients(*optimizer);
  }
  models::FaceNet model;
  losses::FaceNetLoss loss;
  std::unique_ptr<torch::optim::Optimizer> optimizer;
  Precision precision = Precision::FP32;
};

}  // namespace

std::string bench_train_step(const BenchOptions& o, const std::string& backbone, const std::string& precision,
                             const std::string& trainable_from) {
  auto config = base_config(o, backbone);
  config.train.trainable_from = trainable_from;
  TrainingStep step(config, o.train_classes);
  step.precision = bench_precision(precision);
  const int64_t b = o.train_batch, size = config.data.preprocess.image_size;
  const auto x = torch::randn({b, 3, size, size});
  const auto labels = torch::randint(0, o.train_classes, {b}, torch::kLong);
  const double r = rate(o, b, 1, [&] { step(x, labels); });
  return fmt::format("{};", r);
}

namespace {

DataConfig jpeg_data(const BenchOptions& o, const std::string& root) {
  DataConfig d;
  d.root = root;
  d.cache_index = false;
  d.preprocess.image_size = o.image_size;
  d.augment.flip = true;
  d.augment.crop_scale = 0.1;
  return d;
}

}  // namespace

std::string bench_pipeline(const BenchOptions& o, const std::string& root) {
  base_config(o, "mobilenet");
  const auto d = jpeg_data(o, root);
  const auto dataset = data::load_dataset(d);
  data::BatchLoader loader(dataset, data::BatchSampler(dataset, data::SamplingMode::Shuffled, o.train_batch, 0), d, 0);
  const double r = rate(o, o.train_batch, 1, [&] { loader.next(); });
  return fmt::format("{};{} workers, {} images", r, loader.workers(), dataset.size());
}

std::string bench_train_e2e(const BenchOptions& o, const std::string& backbone, const std::string& root) {
  auto config = base_config(o, backbone);
  const auto d = jpeg_data(o, root);
  const auto dataset = data::load_dataset(d);
  data::BatchLoader loader(dataset, data::BatchSampler(dataset, data::SamplingMode::Triplet, o.train_batch, 0), d, 0);
  TrainingStep step(config, dataset.num_classes());
  double wait = 0;
  const auto start = Clock::now();
  const double r = rate(o, o.train_batch, 1, [&] {
    const auto t0 = Clock::now();
    auto batch = loader.next();
    wait += std::chrono::duration<double>(Clock::now() - t0).count();
    step(batch.images, batch.labels);
  });
  const double total = std::chrono::duration<double>(Clock::now() - start).count();
  return fmt::format("{};data wait {:.1f}% of step time", r, 100.0 * wait / total);
}

std::string bench_lfw_eval(const BenchOptions& o) {
  auto config = base_config(o, "mobilenet");
  config.eval.data_dir = o.lfw_dir;
  config.eval.pairs = o.lfw_pairs;
  auto model = models::make_model(config.model);
  model->eval();
  auto forward = infer::compile_for_inference(*model);
  const auto pre = config.data.preprocess;
  const int threads = o.threads;
  eval::Evaluator evaluator(config.eval, [forward, pre, threads](const std::vector<std::string>& paths, bool flip) {
    return forward(data::load_images(paths, pre, flip, threads));
  });
  const auto start = Clock::now();
  const auto report = evaluator.run();
  const double s = std::chrono::duration<double>(Clock::now() - start).count();
  return fmt::format("{};{} images, {} pairs, flip {}", s, report.info.num_images, report.metrics.num_pairs,
                     to_string(config.eval.flip));
}

std::string make_jpeg_tree(const std::string& dir) {
  data::SynthOptions s;
  s.out = dir;
  s.identities = 40;
  s.images_per_identity = 12;
  s.pair_identities = 0;
  s.image_size = 250;
  synthesize_dataset(s);
  return (fs::path(dir) / "train").string();
}

}  // namespace facenet::bench
