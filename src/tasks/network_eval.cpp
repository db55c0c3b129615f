#include "facenet/tasks/network_eval.h"

#include <spdlog/spdlog.h>
#include <torch/torch.h>

#include "facenet/core/cores.h"
#include "facenet/core/error.h"
#include "facenet/eval/eval_set.h"
#include "facenet/infer/faces.h"
#include "facenet/infer/network_embed.h"
#include "facenet/infer/network_loader.h"
#include "facenet/infer/photo_embed.h"
#include "facenet/models/facenet.h"

namespace facenet::tasks {

namespace {

// A checkpoint, a TorchScript export or an ONNX export (each carries its own preprocessing), or
// without one an untrained network from the config.
eval::EvalNetwork open_network(const Config& config, const std::string& model_path, const PreprocessArgs& preprocess) {
  const int threads = resolve_cores(config.data.workers);
  if (!model_path.empty()) {
    auto network = infer::load_embedding_network(model_path, threads, config.runtime.inference_dtype, preprocess);
    spdlog::info("[eval] {} ({}, {}-d)", model_path, network.meta.architecture(), network.meta.embedding_size);
    return {std::move(network.embed), std::move(network.embed_bytes), model_path, {}};
  }
  auto model = models::make_model(config.model);
  model->eval();
  spdlog::info("[eval] untrained {} network (chance-level baseline), seed {}", to_string(config.model.backbone),
               config.runtime.seed);
  auto forward = infer::network_inference_fn(
      model, inference_precision(config.runtime.inference_dtype, c10::DeviceType::CPU));
  return {infer::files_embed_fn(forward, config.data.preprocess, threads),
          infer::bytes_embed_fn(forward, config.data.preprocess, threads), "untrained", {}};
}

// `eval --detect`: the same network over uncropped photos, each face detected and cut first.
eval::EvalNetwork open_photo_network(const Config& config, const std::string& model_path, const DetectArgs& detect,
                                     const PreprocessArgs& preprocess) {
  infer::ExportMeta meta;
  InferenceFn forward;
  if (!model_path.empty()) {
    auto network = std::make_shared<infer::LoadedNetwork>(infer::load_network(model_path, config.runtime.inference_dtype, preprocess));
    meta = network->meta;
    forward = [network](const torch::Tensor& images) { return network->forward(images); };
  } else {
    auto model = models::make_model(config.model);
    model->eval();
    meta.backbone = config.model.backbone;
    meta.embedding_size = config.model.embedding_size;
    meta.preprocess = config.data.preprocess;
    meta.input_size = meta.preprocess.image_size;
    meta.crop = config.data.crop;
    forward = infer::network_inference_fn(model, inference_precision(config.runtime.inference_dtype, c10::DeviceType::CPU));
  }
  const auto plan = infer::face_plan(meta, detect);
  spdlog::info("[eval] {}: faces by {}, cropped by rule {} (margin {}) to {} px", model_path.empty() ? "untrained" : model_path,
               to_string(plan.detect.detector), to_string(plan.crop.rule), plan.crop.margin, meta.input_size);
  auto photos = infer::photo_embed_fn(std::move(forward), meta, plan, resolve_cores(config.data.workers));
  return {std::move(photos.embed), {}, model_path.empty() ? "untrained" : model_path, std::move(photos.summary)};
}

}  // namespace

NetworkEvalResult run_network_eval(const Config& config, const std::string& model_path, const std::string& out_dir,
                                   const DetectArgs& detect, const PreprocessArgs& preprocess) {
  auto eval_config = config.eval;
  eval_config.sets.clear();
  eval_config.best_by = "mean";
  const auto sets = eval::open_eval_suite(eval_config);
  if (sets.empty()) throw ConfigError("eval needs a pairs file (eval.pairs)");
  const auto network = detect.detector.empty() ? open_network(config, model_path, preprocess)
                                                : open_photo_network(config, model_path, detect, preprocess);
  const auto result = sets.run(network, out_dir);
  const auto& report = result.sets.front().report;
  return {eval::format_table(report), report.metrics.accuracy_mean, report.metrics.threshold_at_far};
}

NetworkEvalResult run_network_eval_bins(const Config& config, const std::string& model_path,
                                        const std::vector<std::string>& bins, const std::string& out_dir,
                                        const PreprocessArgs& preprocess) {
  auto eval_config = config.eval;
  eval_config.pairs.clear();
  eval_config.sets = bins;
  eval_config.best_by = "mean";
  const auto sets = eval::open_eval_suite(eval_config);
  if (sets.empty()) throw ConfigError("eval --bin needs at least one .bin set");
  const auto result = sets.run(open_network(config, model_path, preprocess), out_dir);
  return {eval::format_sets_table(result.sets), result.best_score(), result.sets.front().report.metrics.threshold_at_far};
}

}  // namespace facenet::tasks
