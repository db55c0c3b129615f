#include "facenet/tasks/network_eval.h"

#include <spdlog/spdlog.h>
#include <torch/torch.h>

#include <filesystem>

#include "facenet/core/cores.h"
#include "facenet/eval/bin_sets.h"
#include "facenet/eval/evaluator.h"
#include "facenet/infer/network_embed.h"
#include "facenet/infer/network_loader.h"
#include "facenet/models/facenet.h"

namespace facenet::tasks {

namespace {

struct Network {
  EmbedFn files;
  BytesEmbedFn bytes;
};

// A checkpoint, a TorchScript export or an ONNX export (each carries its own preprocessing), or
// without one an untrained network from the config.
Network open_network(const Config& config, const std::string& model_path) {
  const int threads = resolve_cores(config.data.workers);
  if (!model_path.empty()) {
    auto network = infer::load_embedding_network(model_path, threads, config.runtime.inference_dtype);
    spdlog::info("[eval] {} ({}, {}-d)", model_path, to_string(network.meta.backbone), network.meta.embedding_size);
    return {std::move(network.embed), std::move(network.embed_bytes)};
  }
  auto model = models::make_model(config.model);
  model->eval();
  spdlog::info("[eval] untrained {} network (chance-level baseline), seed {}", to_string(config.model.backbone),
               config.runtime.seed);
  auto forward = infer::network_inference_fn(
      model, inference_precision(config.runtime.inference_dtype, c10::DeviceType::CPU));
  return {infer::files_embed_fn(forward, config.data.preprocess, threads),
          infer::bytes_embed_fn(forward, config.data.preprocess, threads)};
}

}  // namespace

NetworkEvalResult run_network_eval(const Config& config, const std::string& model_path, const std::string& out_dir) {
  auto network = open_network(config, model_path);
  eval::Evaluator evaluator(config.eval, std::move(network.files));
  evaluator.set_checkpoint(model_path.empty() ? "untrained" : model_path);
  const auto report = evaluator.run(out_dir);
  return {eval::format_table(report), report.metrics.accuracy_mean, report.metrics.threshold_at_far};
}

NetworkEvalResult run_network_eval_bins(const Config& config, const std::string& model_path,
                                        const std::vector<std::string>& bins, const std::string& out_dir) {
  const auto sets = eval::load_bin_sets(eval::expand_bin_sets(bins));
  auto network = open_network(config, model_path);
  const auto protocol = eval::bin_protocol(config.eval);
  std::vector<eval::SetReport> reports;
  for (const auto& set : sets) {
    const auto dir = out_dir.empty() ? std::string() : (std::filesystem::path(out_dir) / set.name).string();
    auto report = eval::evaluate_bin(set, protocol, network.bytes, dir, model_path.empty() ? "untrained" : model_path);
    reports.push_back({set.name, dir, std::move(report)});
  }
  NetworkEvalResult result;
  result.table = eval::format_sets_table(reports);
  for (const auto& r : reports) result.accuracy += r.report.metrics.accuracy_mean / double(reports.size());
  if (!reports.empty()) result.threshold_at_far = reports.front().report.metrics.threshold_at_far;
  return result;
}

}  // namespace facenet::tasks
