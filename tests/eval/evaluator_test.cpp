// The evaluator end to end with a fake embedding function (no network): batching, flip calls,
// missing images, the output files, the embeddings file round trip and `facenet eval-embeddings`.
#include "facenet/eval/evaluator.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>

#include "facenet/core/error.h"
#include "facenet/core/fs.h"
#include "facenet/tasks/run_eval.h"
#include "support/cli_runner.h"

using namespace facenet;
using namespace facenet::eval;
namespace fs = std::filesystem;

namespace {

// 3 identities; 2 blocks x (2 matched + 2 mismatched) = 8 pairs over 9 images.
const char* kPairs =
    "2 2\n"
    "Ann 1 2\nBob 1 2\nAnn 1 Bob 1\nBob 2 Cat 1\n"
    "Cat 1 2\nAnn 2 3\nAnn 3 Cat 2\nBob 1 Cat 1\n";

struct Fixture {
  fs::path dir;
  EvalConfig config;
  explicit Fixture(const std::string& name) : dir(fs::temp_directory_path() / ("facenet_eval_" + name)) {
    fs::remove_all(dir);
    for (const char* image : {"Ann/Ann_0001.jpg", "Ann/Ann_0002.jpg", "Ann/Ann_0003.jpg", "Bob/Bob_0001.jpg",
                              "Bob/Bob_0002.jpg", "Cat/Cat_0001.jpg", "Cat/Cat_0002.jpg"}) {
      fs::create_directories((dir / "lfw" / image).parent_path());
      std::ofstream(dir / "lfw" / image) << "x";  // only existence is checked; the fake embeds by name
    }
    std::ofstream(dir / "pairs.txt") << kPairs;
    config.data_dir = (dir / "lfw").string();
    config.pairs = (dir / "pairs.txt").string();
    config.folds = 2;
    config.batch_size = 3;
  }
  ~Fixture() { fs::remove_all(dir); }
};

// Identity -> angle (Ann 0, Bob 2, Cat 4 rad) plus 0.05 per image number; flipped adds 0.01.
struct FakeNet {
  std::vector<int64_t> batch_sizes;
  int flipped_calls = 0;
  torch::Tensor operator()(const std::vector<std::string>& paths, bool flipped) {
    batch_sizes.push_back(static_cast<int64_t>(paths.size()));
    flipped_calls += flipped;
    auto out = torch::empty({static_cast<int64_t>(paths.size()), 2});
    for (std::size_t i = 0; i < paths.size(); ++i) {
      const auto stem = fs::path(paths[i]).stem().string();  // Ann_0002
      const auto who = stem.substr(0, 3);
      const double base = who == "Ann" ? 0.0 : who == "Bob" ? 2.0 : 4.0;
      const double angle = base + 0.05 * std::stoi(stem.substr(4)) + (flipped ? 0.01 : 0.0);
      out[static_cast<int64_t>(i)][0] = std::cos(angle);
      out[static_cast<int64_t>(i)][1] = std::sin(angle);
    }
    return out;
  }
};

}  // namespace

TEST(Evaluator, EmbedsEachImageOnceInBatches) {
  Fixture fx("batches");
  auto net = std::make_shared<FakeNet>();
  Evaluator evaluator(fx.config, [net](const auto& p, bool f) { return (*net)(p, f); });
  const auto report = evaluator.run();
  // Unique images in first-appearance order: 7 -> batches of 3, 3, 1; no flipped calls.
  EXPECT_EQ(net->batch_sizes, (std::vector<int64_t>{3, 3, 1}));
  EXPECT_EQ(net->flipped_calls, 0);
  EXPECT_EQ(report.info.num_images, 7);
  EXPECT_EQ(report.info.embedding_dim, 2);
  EXPECT_EQ(report.metrics.num_pairs, 8);
  // Same-identity pairs are <= 0.05 apart, different >= 1.7 (l2): every fold is perfect.
  EXPECT_DOUBLE_EQ(report.metrics.accuracy_mean, 1.0);
  EXPECT_DOUBLE_EQ(report.metrics.auc, 1.0);
  EXPECT_DOUBLE_EQ(report.metrics.eer, 0.0);
}

TEST(Evaluator, FlipConcatDoublesTheDimension) {
  Fixture fx("flip");
  fx.config.flip = FlipMode::Concat;
  auto net = std::make_shared<FakeNet>();
  Evaluator evaluator(fx.config, [net](const auto& p, bool f) { return (*net)(p, f); });
  const auto report = evaluator.run();
  EXPECT_EQ(net->flipped_calls, 3);
  EXPECT_EQ(report.info.embedding_dim, 4);
}

TEST(Evaluator, MissingImagesAreListedOrSkipped) {
  Fixture fx("missing");
  fs::remove(fx.dir / "lfw" / "Cat/Cat_0002.jpg");
  auto net = std::make_shared<FakeNet>();
  const EmbedFn embed = [net](const auto& p, bool f) { return (*net)(p, f); };
  try {
    Evaluator(fx.config, embed);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("1 image(s)"), std::string::npos) << msg;
    EXPECT_NE(msg.find("Cat/Cat_0002.jpg"), std::string::npos) << msg;
  }
  fx.config.skip_missing = true;
  const auto report = Evaluator(fx.config, embed).run();
  EXPECT_EQ(report.metrics.num_pairs, 6);  // "Cat 1 2" and "Ann 3 Cat 2" dropped
  EXPECT_EQ(report.info.num_missing, 1);
  EXPECT_EQ(report.info.num_dropped_pairs, 2);
}

TEST(Evaluator, BadEmbeddingShapeIsAnError) {
  Fixture fx("shape");
  Evaluator evaluator(fx.config, [](const auto& p, bool) { return torch::zeros({static_cast<int64_t>(p.size()) + 1, 2}); });
  EXPECT_THROW(evaluator.run(), Error);
}

TEST(Evaluator, WritesReportPngAndEmbeddingsThenReRunsFromThem) {
  Fixture fx("outputs");
  fx.config.flip = FlipMode::Concat;
  auto net = std::make_shared<FakeNet>();
  Evaluator evaluator(fx.config, [net](const auto& p, bool f) { return (*net)(p, f); });
  const auto out = (fx.dir / "out").string();
  const auto report = evaluator.run(out);

  const auto json = nlohmann::json::parse(read_file(out + "/report.json"));
  for (const char* key : {"accuracy_mean", "accuracy_std", "fold_thresholds", "fold_accuracies", "val_mean", "val_std",
                          "far_mean", "auc", "eer", "num_pairs", "distance", "flip", "tar_at_far", "num_missing",
                          "threshold_at_far"})
    EXPECT_TRUE(json.contains(key)) << key;
  EXPECT_EQ(json["num_pairs"], 8);
  EXPECT_EQ(json["flip"], "concat");
  EXPECT_EQ(json["distance"], "l2");
  EXPECT_EQ(json["fold_thresholds"].size(), 2u);
  EXPECT_EQ(json["tar_at_far"].size(), 3u);
  const auto png = cv::imread(out + "/roc.png");
  ASSERT_FALSE(png.empty());
  EXPECT_EQ(png.cols, 720);
  EXPECT_TRUE(fs::exists(out + "/roc.csv"));

  // The embeddings file holds both views; re-running needs no network.
  const auto set = load_embeddings(out + "/embeddings.pt");
  ASSERT_EQ(set.images.size(), 7u);
  EXPECT_EQ(set.images[0], "Ann/Ann_0001.jpg");
  ASSERT_TRUE(set.flipped.defined());
  // Ann_0001 sits at angle .05.
  EXPECT_NEAR(set.plain[0][0].item<float>(), std::cos(0.05f), 1e-6);

  const auto again = evaluate_pairs(evaluator.pairs(), set, fx.config);
  EXPECT_DOUBLE_EQ(again.metrics.accuracy_mean, report.metrics.accuracy_mean);
  EXPECT_EQ(again.metrics.roc.fpr, report.metrics.roc.fpr);

  auto sum = fx.config;
  sum.flip = FlipMode::Sum;
  const auto table = tasks::run_eval_embeddings(sum, out + "/embeddings.pt", (fx.dir / "out2").string());
  EXPECT_NE(table.find("flip sum"), std::string::npos) << table;
  EXPECT_EQ(nlohmann::json::parse(read_file((fx.dir / "out2/report.json").string()))["embedding_dim"], 2);
}

TEST(EmbeddingsFile, RoundTripWithoutFlipped) {
  const auto path = (fs::temp_directory_path() / "facenet_eval_emb.pt").string();
  EmbeddingSet set;
  set.images = {"a b.jpg", "c/d.jpg"};
  set.plain = torch::tensor({{1.0f, 2.0f, 3.0f}, {4.0f, 5.0f, 6.0f}});
  save_embeddings(path, set);
  const auto back = load_embeddings(path);
  EXPECT_EQ(back.images, set.images);
  EXPECT_TRUE(back.plain.equal(set.plain));
  EXPECT_FALSE(back.flipped.defined());
  // Asking for flip on embeddings saved without it is a clear error.
  EvalConfig c;
  c.flip = FlipMode::Concat;
  EXPECT_THROW(evaluate_pairs({{"a b.jpg", "c/d.jpg", true, 1}}, back, c), Error);
  fs::remove(path);
  EXPECT_THROW(load_embeddings(path), Error);
}

TEST(EvalEmbeddingsCli, ReRunsFromAFileAndReportsMissing) {
  Fixture fx("cli");
  auto net = std::make_shared<FakeNet>();
  const auto out = (fx.dir / "out").string();
  Evaluator(fx.config, [net](const auto& p, bool f) { return (*net)(p, f); }).run(out);

  auto r = facenet::test::run_cli("eval-embeddings --embeddings " + out + "/embeddings.pt --pairs " + fx.config.pairs +
                                  " --out " + fx.dir.string() + "/cli --set eval.folds=2 --set eval.distance=cosine");
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("Accuracy"), std::string::npos) << r.output;
  const auto json = nlohmann::json::parse(read_file(fx.dir.string() + "/cli/report.json"));
  EXPECT_EQ(json["distance"], "cosine");
  EXPECT_EQ(json["num_pairs"], 8);

  // A pair naming an image without an embedding: exit 1 with the image named.
  std::ofstream(fx.dir / "more.txt") << "Ann/Ann_0001.jpg Dan/Dan_0001.jpg 0\nAnn/Ann_0001.jpg Ann/Ann_0002.jpg 1\n";
  r = facenet::test::run_cli("eval-embeddings --embeddings " + out + "/embeddings.pt --pairs " +
                             (fx.dir / "more.txt").string());
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("Dan/Dan_0001.jpg"), std::string::npos) << r.output;

  EXPECT_EQ(facenet::test::run_cli("eval-embeddings --pairs x").code, 2);  // --embeddings is required
}
