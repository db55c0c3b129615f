#include "facenet/eval/evaluator.h"

#include <spdlog/spdlog.h>
#include <torch/torch.h>

#include <filesystem>
#include <unordered_map>

#include "facenet/core/error.h"
#include "facenet/eval/embedding_metrics.h"
#include "facenet/infer/batches.h"

namespace facenet::eval {

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

EmbeddingSet embed_with_flip(const std::vector<std::string>& items, std::vector<std::string> names,
                             const EvalConfig& config, const EmbedFn& embed, const std::string& what,
                             const std::function<std::string(std::size_t)>& describe) {
  if (!embed) throw Error("evaluating " + what + " needs an embedding function");
  torch::NoGradGuard no_grad;
  const bool flip = config.flip != FlipMode::None;
  int64_t dim = -1;
  // Calls `embed` on items [begin, end) and checks the shape it promises.
  const auto checked = [&](int64_t begin, int64_t end, bool flipped) {
    const std::vector<std::string> chunk(items.begin() + begin, items.begin() + end);
    auto e = embed(chunk, flipped);
    if (!e.defined() || e.dim() != 2 || e.size(0) != end - begin || (dim >= 0 && e.size(1) != dim))
      throw Error("the embedding function returned " + (e.defined() ? c10::str(e.sizes()) : std::string("nothing")) +
                  " for " + std::to_string(end - begin) + " images of " + what + " starting at " +
                  describe(std::size_t(begin)) +
                  "; expected (N, D) with one D" + (dim >= 0 ? " = " + std::to_string(dim) : std::string()));
    dim = e.size(1);
    return e.detach().to(torch::kCPU, torch::kFloat);
  };
  // One row per item: the plain embedding, then (with a flip mode) the flipped one beside it.
  const auto rows = infer::map_batches(static_cast<int64_t>(items.size()), config.batch_size, "eval " + what,
                                       [&](int64_t begin, int64_t end) {
                                         auto plain = checked(begin, end, false);
                                         return flip ? torch::cat({plain, checked(begin, end, true)}, 1) : plain;
                                       });
  EmbeddingSet set;
  set.images = std::move(names);
  if (items.empty()) {
    set.plain = torch::empty({0, 0});
    return set;
  }
  set.plain = flip ? rows.slice(1, 0, dim).contiguous() : rows;
  if (flip) set.flipped = rows.slice(1, dim).contiguous();
  return set;
}

void write_set_files(const std::string& out_dir, Report& report, const EmbeddingSet& embeddings) {
  report.info.embeddings_file = (std::filesystem::path(out_dir) / "embeddings.pt").string();
  save_embeddings(report.info.embeddings_file, embeddings);
  write_report(out_dir, report);
  spdlog::info("[eval] wrote {}/report.json, roc.png, roc.csv, embeddings.pt", out_dir);
}

PairsFileSet::PairsFileSet(EvalConfig config) : config_(std::move(config)) {
  const std::string data_dir = config_.data_dir;
  pairs_ = prepare_pairs(
      config_, [&](const std::string& image) { return std::filesystem::is_regular_file(resolve_image(data_dir, image)); },
      "named in " + config_.pairs + (data_dir.empty() ? std::string() : " under " + data_dir));
}

std::string PairsFileSet::name() const { return std::filesystem::path(config_.pairs).stem().string(); }

EmbeddingSet PairsFileSet::embed_images(const std::vector<std::string>& images, const EmbedFn& embed) const {
  std::vector<std::string> paths;
  for (const auto& image : images) paths.push_back(resolve_image(config_.data_dir, image));
  return embed_with_flip(paths, images, config_, embed, name(), [&](std::size_t i) { return "'" + paths[i] + "'"; });
}

Report PairsFileSet::evaluate(const EvalNetwork& network, const std::string& out_dir) const {
  const auto set = embed_images(unique_images(pairs_.pairs), network.files);
  auto report = evaluate_pairs(pairs_.pairs, set, config_);
  report.info.checkpoint = network.checkpoint;
  report.info.num_missing = pairs_.num_missing;
  report.info.num_dropped_pairs = pairs_.dropped_pairs;
  if (network.cropping) report.info.cropping = network.cropping();
  if (!out_dir.empty()) write_set_files(out_dir, report, set);
  return report;
}

Evaluator::Evaluator(EvalConfig config, EmbedFn embed) : set_(std::move(config)), embed_(std::move(embed)) {
  if (!embed_) throw Error("Evaluator needs an embedding function");
}

Report Evaluator::run(const std::string& out_dir) const { return set_.evaluate({embed_, {}, checkpoint_}, out_dir); }

}  // namespace facenet::eval
