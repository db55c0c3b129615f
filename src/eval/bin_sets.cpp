#include "facenet/eval/bin_sets.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <torch/torch.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include "facenet/core/error.h"
#include "facenet/eval/embeddings_io.h"
#include "facenet/eval/evaluator.h"
#include "facenet/infer/batches.h"

namespace facenet::eval {
namespace fs = std::filesystem;

std::string bin_set_name(const std::string& path) { return fs::path(path).stem().string(); }

std::vector<std::string> expand_bin_sets(const std::vector<std::string>& entries, const std::string& base) {
  std::vector<std::string> out;
  for (const auto& entry : entries) {
    fs::path p(entry);
    if (p.is_relative() && !base.empty()) p = fs::path(base) / p;
    if (fs::is_directory(p)) {
      std::vector<std::string> found;
      for (const auto& e : fs::directory_iterator(p))
        if (e.is_regular_file() && e.path().extension() == ".bin") found.push_back(e.path().string());
      if (found.empty()) throw Error("no .bin verification sets in folder '" + p.string() + "'");
      std::sort(found.begin(), found.end());
      out.insert(out.end(), found.begin(), found.end());
    } else if (fs::is_regular_file(p)) {
      out.push_back(p.string());
    } else {
      throw Error("verification set '" + p.string() + "' does not exist" +
                  (base.empty() || fs::path(entry).is_absolute() ? std::string() : " (relative to '" + base + "')"));
    }
  }
  std::set<std::string> names;
  for (const auto& path : out)
    if (!names.insert(bin_set_name(path)).second)
      throw Error("two verification sets are named '" + bin_set_name(path) + "' (" + path + ")");
  return out;
}

std::vector<BinSet> load_bin_sets(const std::vector<std::string>& paths) {
  std::vector<BinSet> sets;
  for (const auto& path : paths) {
    BinSet s{bin_set_name(path), path, data::read_verification_bin(path)};
    spdlog::info("[eval] {}: {} pairs ({} images) from {}", s.name, s.bin.pairs(), s.bin.images.size(), path);
    sets.push_back(std::move(s));
  }
  return sets;
}

EvalConfig bin_protocol(EvalConfig config) {
  config.distance = config.sets_distance;
  config.interleave_folds = false;
  return config;
}

std::vector<Pair> bin_pairs(const data::VerificationBin& bin) {
  std::vector<Pair> pairs;
  pairs.reserve(bin.issame.size());
  for (int64_t i = 0; i < bin.pairs(); ++i)
    pairs.push_back({std::to_string(2 * i), std::to_string(2 * i + 1), bool(bin.issame[std::size_t(i)]), i + 1});
  return pairs;
}

EmbeddingSet embed_bin(const BinSet& set, const EvalConfig& config, const BytesEmbedFn& embed) {
  if (!embed) throw Error("evaluating " + set.name + " needs an embedding function over encoded images");
  torch::NoGradGuard no_grad;
  const auto& images = set.bin.images;
  const auto n = static_cast<int64_t>(images.size());
  const bool flip = config.flip != FlipMode::None;
  int64_t dim = -1;
  auto checked = [&](const std::vector<std::string>& chunk, bool flipped, int64_t begin) {
    auto e = embed(chunk, flipped);
    if (!e.defined() || e.dim() != 2 || e.size(0) != static_cast<int64_t>(chunk.size()) || (dim >= 0 && e.size(1) != dim))
      throw Error("the embedding function returned " + (e.defined() ? c10::str(e.sizes()) : std::string("nothing")) +
                  " for " + std::to_string(chunk.size()) + " images of " + set.name + " starting at image " +
                  std::to_string(begin) + "; expected (N, D) with one D");
    dim = e.size(1);
    return e.detach().to(torch::kCPU, torch::kFloat);
  };
  const auto rows = infer::map_batches(n, config.batch_size, "eval " + set.name, [&](int64_t begin, int64_t end) {
    const std::vector<std::string> chunk(images.begin() + begin, images.begin() + end);
    auto plain = checked(chunk, false, begin);
    return flip ? torch::cat({plain, checked(chunk, true, begin)}, 1) : plain;
  });
  EmbeddingSet out;
  for (int64_t i = 0; i < n; ++i) out.images.push_back(std::to_string(i));
  if (n == 0) {
    out.plain = torch::empty({0, 0});
    return out;
  }
  out.plain = flip ? rows.slice(1, 0, dim).contiguous() : rows;
  if (flip) out.flipped = rows.slice(1, dim).contiguous();
  return out;
}

Report evaluate_bin(const BinSet& set, const EvalConfig& config, const BytesEmbedFn& embed, const std::string& out_dir,
                    const std::string& checkpoint) {
  const auto embeddings = embed_bin(set, config, embed);
  auto report = evaluate_pairs(bin_pairs(set.bin), embeddings, config);
  report.info.pairs_file = set.path;
  report.info.data_dir.clear();
  report.info.checkpoint = checkpoint;
  if (!out_dir.empty()) {
    report.info.embeddings_file = (fs::path(out_dir) / "embeddings.pt").string();
    save_embeddings(report.info.embeddings_file, embeddings);
    write_report(out_dir, report);
  }
  return report;
}

std::string format_sets_table(const std::vector<SetReport>& sets) {
  std::string s;
  if (sets.empty()) return s;
  const auto& c = sets.front().report.info.config;
  s += fmt::format("Verification: {} folds, distance {}, flip {}{}, thresholds 0:{:g}:{:g}\n",
                   sets.front().report.metrics.folds.size(), to_string(c.distance), to_string(c.flip),
                   c.subtract_mean ? ", subtract_mean" : "", c.threshold_max, c.threshold_step);
  std::size_t width = 3;
  for (const auto& set : sets) width = std::max(width, set.name.size());
  s += fmt::format("  {:<{}}  {:>6}  {:>19}  {:>17}  {:>7}  {:>7}  {:>9}\n", "set", width, "pairs", "accuracy",
                   fmt::format("VAL@FAR={:g}", c.far_target), "AUC", "EER", "threshold");
  double sum = 0;
  for (const auto& set : sets) {
    const auto& m = set.report.metrics;
    sum += m.accuracy_mean;
    s += fmt::format("  {:<{}}  {:>6}  {:>8.5f} +- {:>7.5f}  {:>7.5f} +- {:>6.4f}  {:>7.5f}  {:>7.5f}  {:>9.4f}\n", set.name,
                     width, m.num_pairs, m.accuracy_mean, m.accuracy_std, m.val_mean, m.val_std, m.auc, m.eer,
                     m.threshold_at_far);
  }
  if (sets.size() > 1)
    s += fmt::format("  {:<{}}  {:>6}  {:>8.5f}\n", "mean", width, "", sum / double(sets.size()));
  return s;
}

}  // namespace facenet::eval
