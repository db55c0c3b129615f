#include "facenet/eval/evaluator.h"

#include <spdlog/spdlog.h>
#include <torch/torch.h>

#include <chrono>
#include <filesystem>
#include <unordered_map>

#include "facenet/core/error.h"
#include "facenet/eval/embedding_metrics.h"
#include "facenet/infer/batches.h"

namespace facenet::eval {
namespace {

// Calls `embed` and checks the shape it promises.
torch::Tensor checked_embed(const EmbedFn& embed, const std::vector<std::string>& paths, bool flipped,
                            int64_t& dim) {
  auto e = embed(paths, flipped);
  if (!e.defined() || e.dim() != 2 || e.size(0) != static_cast<int64_t>(paths.size()))
    throw Error("the embedding function returned " + (e.defined() ? c10::str(e.sizes()) : std::string("nothing")) +
                " for " + std::to_string(paths.size()) + " images starting at '" + paths.front() +
                "'; expected (N, D)");
  if (dim >= 0 && e.size(1) != dim)
    throw Error("the embedding function changed its dimension from " + std::to_string(dim) + " to " +
                std::to_string(e.size(1)));
  dim = e.size(1);
  return e.detach().to(torch::kCPU, torch::kFloat);
}

}  // namespace

Report evaluate_pairs(const std::vector<Pair>& pairs, const EmbeddingSet& set, const EvalConfig& config) {
  std::unordered_map<std::string, int64_t> row;
  for (std::size_t i = 0; i < set.images.size(); ++i) row.emplace(set.images[i], static_cast<int64_t>(i));
  std::vector<int64_t> idx1, idx2;
  std::vector<bool> same;
  for (const auto& p : pairs) {
    const auto a = row.find(p.image1), b = row.find(p.image2);
    if (a == row.end() || b == row.end())
      throw Error("no embedding for '" + (a == row.end() ? p.image1 : p.image2) + "' (pairs line " +
                  std::to_string(p.line) + ")");
    idx1.push_back(a->second), idx2.push_back(b->second), same.push_back(p.same);
  }
  const auto emb = combine_flip(set.plain, set.flipped, config.flip);
  Report report;
  report.metrics = evaluate_embeddings(emb.index_select(0, torch::tensor(idx1, torch::kLong)),
                                       emb.index_select(0, torch::tensor(idx2, torch::kLong)), same, config);
  report.info.config = config;
  report.info.pairs_file = config.pairs;
  report.info.data_dir = config.data_dir;
  report.info.num_images = static_cast<int64_t>(set.images.size());
  report.info.embedding_dim = emb.size(1);
  return report;
}

Evaluator::Evaluator(EvalConfig config, EmbedFn embed) : config_(std::move(config)), embed_(std::move(embed)) {
  if (!embed_) throw Error("Evaluator needs an embedding function");
  const std::string data_dir = config_.data_dir;
  pairs_ = prepare_pairs(
      config_, [&](const std::string& image) { return std::filesystem::is_regular_file(resolve_image(data_dir, image)); },
      "named in " + config_.pairs + (data_dir.empty() ? std::string() : " under " + data_dir));
}

EmbeddingSet Evaluator::embed_images(const std::vector<std::string>& images) const {
  torch::NoGradGuard no_grad;
  EmbeddingSet set;
  set.images = images;
  const bool flip = config_.flip != FlipMode::None;
  std::vector<std::string> paths;
  for (const auto& image : images) paths.push_back(resolve_image(config_.data_dir, image));
  int64_t dim = -1;
  // One row per image: the plain embedding, then (with a flip mode) the flipped one beside it.
  const auto rows = infer::map_batches(paths, config_.batch_size, "eval", [&](const std::vector<std::string>& chunk) {
    auto plain = checked_embed(embed_, chunk, false, dim);
    return flip ? torch::cat({plain, checked_embed(embed_, chunk, true, dim)}, 1) : plain;
  });
  if (images.empty()) {
    set.plain = torch::empty({0, 0});
    return set;
  }
  set.plain = flip ? rows.slice(1, 0, dim).contiguous() : rows;
  if (flip) set.flipped = rows.slice(1, dim).contiguous();
  return set;
}

Report Evaluator::run(const std::string& out_dir) const {
  const auto set = embed_images(unique_images(pairs_.pairs));
  auto report = evaluate_pairs(pairs_.pairs, set, config_);
  report.info.checkpoint = checkpoint_;
  report.info.num_missing = pairs_.num_missing;
  report.info.num_dropped_pairs = pairs_.dropped_pairs;
  if (!out_dir.empty()) {
    report.info.embeddings_file = (std::filesystem::path(out_dir) / "embeddings.pt").string();
    save_embeddings(report.info.embeddings_file, set);
    write_report(out_dir, report);
    spdlog::info("[eval] wrote {}/report.json, roc.png, roc.csv, embeddings.pt", out_dir);
  }
  return report;
}

}  // namespace facenet::eval
