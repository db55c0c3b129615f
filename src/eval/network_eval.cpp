#include "facenet/eval/network_eval.h"

#include <spdlog/spdlog.h>
#include <torch/torch.h>

#include "facenet/eval/evaluator.h"
#include "facenet/eval/network_embed.h"
#include "facenet/models/facenet.h"
#include "facenet/train/checkpoint.h"

namespace facenet::eval {

NetworkEvalResult run_network_eval(const Config& config, const std::string& checkpoint, const std::string& out_dir) {
  ModelConfig model_config = config.model;
  PreprocessConfig preprocess = config.data.preprocess;
  if (!checkpoint.empty()) {
    const auto info = train::read_checkpoint_info(checkpoint);
    model_config = info.config.model;
    preprocess = info.config.data.preprocess;
  }
  auto model = models::make_model(model_config);
  if (!checkpoint.empty()) {
    train::load_checkpoint(checkpoint, *model);
    spdlog::info("[eval] {} ({}, {}-d)", checkpoint, to_string(model_config.backbone), model_config.embedding_size);
  } else {
    spdlog::info("[eval] untrained {} network (chance-level baseline), seed {}", to_string(model_config.backbone),
                 config.runtime.seed);
  }
  model->eval();
  Evaluator evaluator(config.eval, network_embed_fn(model, preprocess, static_cast<int>(config.data.workers)));
  evaluator.set_checkpoint(checkpoint.empty() ? "untrained" : checkpoint);
  const auto report = evaluator.run(out_dir);
  return {format_table(report), report.metrics.accuracy_mean, report.metrics.threshold_at_far};
}

}  // namespace facenet::eval
