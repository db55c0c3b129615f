// The worked example for evaluation sets: a new kind of set is one class (here ToySet, whose
// pairs live in memory) plus one registration line, and a new figure is one registration line.
// Both flow through the public seam as eval.sets entries do in a training run:
// open_eval_suite -> EvalSuite::run -> EvalResult::metric_rows() (metrics.csv/jsonl and
// TensorBoard) and the set's report.json.
#include <gtest/gtest.h>
#include <torch/torch.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "facenet/core/error.h"
#include "facenet/core/fs.h"
#include "facenet/eval/eval_set.h"
#include "facenet/eval/evaluator.h"

using namespace facenet;
namespace fs = std::filesystem;

namespace {

// ---- The new set type (what a contributor writes: one class) ----------------------------------

/// Pairs held in memory rather than read from a file: "images" are angles in degrees ("10"),
/// embedded through the network's EmbedFn like any image path. The set is named after its
/// eval.sets entry ("tiny.toy" -> "tiny").
class ToySet : public eval::EvalSet {
 public:
  ToySet(const std::string& path, const EvalConfig& config) : name_(fs::path(path).stem().string()), config_(config) {}
  std::string name() const override { return name_; }
  eval::Report evaluate(const eval::EvalNetwork& network, const std::string& out_dir) const override {
    const auto images = eval::unique_images(kPairs);
    const auto embeddings = eval::embed_with_flip(images, images, config_, network.files, name_,
                                                  [&](std::size_t i) { return images[i]; });
    auto report = eval::evaluate_pairs(kPairs, embeddings, config_);
    report.info.pairs_file = "memory:" + name_;
    report.info.checkpoint = network.checkpoint;
    if (!out_dir.empty()) eval::write_set_files(out_dir, report, embeddings);
    return report;
  }

  // Two folds of four pairs; same-identity pairs are 6 degrees apart, different ones 60.
  inline static const std::vector<eval::Pair> kPairs{
      {"0", "6", true, 1},    {"10", "70", false, 2}, {"20", "26", true, 3},  {"30", "90", false, 4},
      {"40", "46", true, 5},  {"50", "110", false, 6}, {"60", "120", false, 7}, {"80", "140", false, 8}};

 private:
  std::string name_;
  EvalConfig config_;
};

/// The network under test: angle names -> unit vectors (cos, sin).
torch::Tensor embed_angles(const std::vector<std::string>& names, bool /*flipped*/) {
  auto out = torch::empty({static_cast<int64_t>(names.size()), 2});
  for (std::size_t i = 0; i < names.size(); ++i) {
    const double a = std::stod(names[i]) * M_PI / 180;
    out[int64_t(i)][0] = std::cos(a);
    out[int64_t(i)][1] = std::sin(a);
  }
  return out;
}

const eval::MetricValue* row(const std::vector<eval::MetricValue>& rows, const std::string& column) {
  for (const auto& r : rows)
    if (r.column == column) return &r;
  return nullptr;
}

}  // namespace

TEST(ToyEvalSet, OneClassAndOneRegistrationLineReachTheMetricRowsAndReportJson) {
  // ---- The registrations (one line each) ---------------------------------------------------------
  eval::register_set_type({"toy", ".toy", [](auto& path, auto& config) { return std::make_unique<ToySet>(path, config); }});
  eval::register_metric({"same_share", [](auto& r) { return double(r.metrics.num_same) / double(r.metrics.num_pairs); }});

  // An eval.sets entry names the set, as lfw.bin would; best.pt follows it.
  const auto dir = fs::temp_directory_path() / ("facenet_toy_set_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::ofstream(dir / "tiny.toy") << "pairs in memory\n";
  EvalConfig config;
  config.folds = 2;
  config.sets = {"tiny.toy"};
  config.best_by = "tiny";
  const auto suite = eval::open_eval_suite(config, dir.string());
  ASSERT_EQ(suite.names(), (std::vector<std::string>{"tiny"}));

  const auto result = suite.run({embed_angles, {}, "toy-net"}, (dir / "eval").string());
  ASSERT_EQ(result.sets.size(), 1u);
  const auto& set = result.sets[0];
  EXPECT_EQ(set.key, "tiny");
  EXPECT_EQ(set.out_dir, (dir / "eval" / "tiny").string());
  // Distances: same pairs 2 sin(3 deg) = 0.105, different ones 2 sin(30 deg) = 1: a threshold
  // between them (0.11 .. 1.0 on the 0.01 grid) separates every fold, so accuracy is 1.
  EXPECT_EQ(set.report.metrics.num_pairs, 8);
  EXPECT_EQ(set.report.metrics.num_same, 3);
  EXPECT_DOUBLE_EQ(set.report.metrics.accuracy_mean, 1.0);
  EXPECT_DOUBLE_EQ(set.report.metrics.auc, 1.0);
  EXPECT_DOUBLE_EQ(result.best_score(), 1.0);

  // The metric rows metrics.csv/jsonl and TensorBoard write: the score, the set's figures under
  // its name, the registered figure among them.
  const auto rows = result.metric_rows();
  ASSERT_NE(row(rows, "eval_accuracy"), nullptr);
  EXPECT_EQ(row(rows, "eval_accuracy")->tag, "eval/accuracy");
  ASSERT_NE(row(rows, "eval_tiny_accuracy"), nullptr);
  EXPECT_EQ(row(rows, "eval_tiny_accuracy")->tag, "eval/tiny/accuracy");
  EXPECT_DOUBLE_EQ(row(rows, "eval_tiny_auc")->value, 1.0);
  ASSERT_NE(row(rows, "eval_tiny_same_share"), nullptr);
  EXPECT_EQ(row(rows, "eval_tiny_same_share")->tag, "eval/tiny/same_share");
  EXPECT_DOUBLE_EQ(row(rows, "eval_tiny_same_share")->value, 3.0 / 8);

  // The set's files, as every set writes them.
  const auto json = nlohmann::json::parse(read_file((dir / "eval/tiny/report.json").string()));
  EXPECT_EQ(json["num_pairs"], 8);
  EXPECT_EQ(json["accuracy_mean"], 1.0);
  EXPECT_EQ(json["pairs_file"], "memory:tiny");
  EXPECT_EQ(json["checkpoint"], "toy-net");
  EXPECT_TRUE(fs::exists(dir / "eval/tiny/roc.png"));
  EXPECT_NE(eval::format_sets_table(result.sets).find("tiny"), std::string::npos);

  // A folder entry finds .toy files beside .bin ones; best_by must name a set.
  config.sets = {"."};
  EXPECT_EQ(eval::open_eval_suite(config, dir.string()).names(), (std::vector<std::string>{"tiny"}));
  config.best_by = "lfw";
  EXPECT_THROW(eval::open_eval_suite(config, dir.string()), ConfigError);
  fs::remove_all(dir);
}
