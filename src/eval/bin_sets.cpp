#include "facenet/eval/bin_sets.h"

#include <spdlog/spdlog.h>

#include <filesystem>

#include "facenet/eval/evaluator.h"

namespace facenet::eval {
namespace fs = std::filesystem;

std::string bin_set_name(const std::string& path) { return fs::path(path).stem().string(); }

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
  std::vector<std::string> names;
  for (std::size_t i = 0; i < set.bin.images.size(); ++i) names.push_back(std::to_string(i));
  return embed_with_flip(set.bin.images, std::move(names), config, embed, set.name,
                         [](std::size_t i) { return "image " + std::to_string(i); });
}

Report evaluate_bin(const BinSet& set, const EvalConfig& config, const BytesEmbedFn& embed, const std::string& out_dir,
                    const std::string& checkpoint) {
  const auto embeddings = embed_bin(set, config, embed);
  auto report = evaluate_pairs(bin_pairs(set.bin), embeddings, config);
  report.info.pairs_file = set.path;
  report.info.data_dir.clear();
  report.info.checkpoint = checkpoint;
  if (!out_dir.empty()) write_set_files(out_dir, report, embeddings);
  return report;
}

namespace {

/// One .bin file as an evaluation set, read when opened.
class BinFileSet : public EvalSet {
 public:
  BinFileSet(const std::string& path, const EvalConfig& config)
      : set_(std::move(load_bin_sets({path}).front())), protocol_(bin_protocol(config)) {}
  std::string name() const override { return set_.name; }
  Report evaluate(const EvalNetwork& network, const std::string& out_dir) const override {
    return evaluate_bin(set_, protocol_, network.bytes, out_dir, network.checkpoint);
  }

 private:
  BinSet set_;
  EvalConfig protocol_;
};

}  // namespace

SetType bin_set_type() {
  return {"bin", ".bin", [](const std::string& path, const EvalConfig& config) -> std::unique_ptr<EvalSet> {
            return std::make_unique<BinFileSet>(path, config);
          }};
}

}  // namespace facenet::eval
