#include "facenet/tasks/network_eval.h"

#include <spdlog/spdlog.h>
#include <torch/torch.h>

#include "facenet/core/cores.h"
#include "facenet/eval/evaluator.h"
#include "facenet/infer/network_embed.h"
#include "facenet/infer/network_loader.h"
#include "facenet/models/facenet.h"

namespace facenet::tasks {

NetworkEvalResult run_network_eval(const Config& config, const std::string& model_path, const std::string& out_dir) {
  const int threads = resolve_cores(config.data.workers);
  EmbedFn embed;
  if (!model_path.empty()) {
    // A checkpoint, a TorchScript export or an ONNX export: each carries its own preprocessing.
    auto network = infer::load_embedding_network(model_path, threads);
    spdlog::info("[eval] {} ({}, {}-d)", model_path, to_string(network.meta.backbone), network.meta.embedding_size);
    embed = std::move(network.embed);
  } else {
    auto model = models::make_model(config.model);
    model->eval();
    spdlog::info("[eval] untrained {} network (chance-level baseline), seed {}", to_string(config.model.backbone),
                 config.runtime.seed);
    embed = infer::network_embed_fn(model, config.data.preprocess, threads);
  }
  eval::Evaluator evaluator(config.eval, std::move(embed));
  evaluator.set_checkpoint(model_path.empty() ? "untrained" : model_path);
  const auto report = evaluator.run(out_dir);
  return {eval::format_table(report), report.metrics.accuracy_mean, report.metrics.threshold_at_far};
}

}  // namespace facenet::tasks
