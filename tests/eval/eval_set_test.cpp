// The evaluation seam: eval.pairs and eval.sets become one list of named sets, each writing its
// files where runs have always found them, and eval.best_by picks one of them.
#include "facenet/eval/eval_set.h"

#include <gtest/gtest.h>
#include <torch/torch.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "facenet/core/error.h"
#include "facenet/core/fs.h"
#include "support/pickle_writer.h"

using namespace facenet;
using namespace facenet::eval;
namespace fs = std::filesystem;

namespace {

/// "Images" are angles in degrees: a file a/30.jpg, or encoded bytes "30".
torch::Tensor embed_angles(const std::vector<std::string>& items, bool /*flipped*/) {
  auto out = torch::empty({static_cast<int64_t>(items.size()), 2});
  for (std::size_t i = 0; i < items.size(); ++i) {
    const double a = std::stod(fs::path(items[i]).stem().string()) * M_PI / 180;
    out[int64_t(i)][0] = std::cos(a);
    out[int64_t(i)][1] = std::sin(a);
  }
  return out;
}

struct SetsFixture {
  fs::path dir = fs::temp_directory_path() / ("facenet_eval_sets_" + std::to_string(::getpid()));
  EvalConfig config;
  SetsFixture() {
    fs::remove_all(dir);
    fs::create_directories(dir / "images");
    for (int a : {0, 6, 10, 70, 20, 26, 30, 90}) std::ofstream(dir / "images" / (std::to_string(a) + ".jpg"));
    // view2.txt: same pairs 6 degrees apart, different ones 60: every fold separates (accuracy
    // 1). lfw.bin: the other way round (90 and 6 degrees), so the best a threshold does is to
    // call every pair different: accuracy 0.5 in each fold.
    std::ofstream(dir / "view2.txt") << "0.jpg 6.jpg 1\n10.jpg 70.jpg 0\n20.jpg 26.jpg 1\n30.jpg 90.jpg 0\n";
    write_file_atomic((dir / "lfw.bin").string(),
                      test::python2_bin_pickle({"0", "90", "10", "16", "20", "110", "30", "36"}, {true, false, true, false}));
    config.folds = 2;
    config.data_dir = (dir / "images").string();
    config.pairs = (dir / "view2.txt").string();
    config.pairs_format = PairsFormat::List;
  }
  ~SetsFixture() { fs::remove_all(dir); }
};

}  // namespace

TEST(EvalSets, PairsAloneWriteIntoTheEvaluationFolderUnderPlainNames) {
  SetsFixture fx;
  const auto suite = open_eval_suite(fx.config);
  EXPECT_EQ(suite.names(), (std::vector<std::string>{"view2"}));  // named after its file
  const auto out = (fx.dir / "eval" / "epoch-1").string();
  const auto result = suite.run({embed_angles, {}, ""}, out);
  ASSERT_EQ(result.sets.size(), 1u);
  EXPECT_EQ(result.sets[0].key, "");
  EXPECT_EQ(result.sets[0].out_dir, out);
  EXPECT_TRUE(fs::exists(fs::path(out) / "report.json"));
  EXPECT_DOUBLE_EQ(result.best_score(), 1.0);
  EXPECT_EQ(result.metric_rows()[1].column, "eval_accuracy_std");
}

TEST(EvalSets, PairsThenBinSetsEachUnderItsName) {
  SetsFixture fx;
  fx.config.sets = {"lfw.bin"};
  const auto suite = open_eval_suite(fx.config, fx.dir.string());
  EXPECT_EQ(suite.names(), (std::vector<std::string>{"view2", "lfw"}));
  const auto out = (fx.dir / "eval" / "epoch-1").string();
  const auto result = suite.run({embed_angles, embed_angles, "x.pt"}, out);
  ASSERT_EQ(result.sets.size(), 2u);
  EXPECT_EQ(result.sets[0].key, "view2");
  EXPECT_EQ(result.sets[0].out_dir, out);  // eval.pairs' files stay in the evaluation's folder
  EXPECT_EQ(result.sets[1].key, "lfw");
  EXPECT_EQ(result.sets[1].out_dir, (fs::path(out) / "lfw").string());
  EXPECT_TRUE(fs::exists(fs::path(out) / "lfw" / "roc.png"));
  EXPECT_EQ(result.sets[1].report.info.checkpoint, "x.pt");
  EXPECT_DOUBLE_EQ(result.sets[0].report.metrics.accuracy_mean, 1.0);
  EXPECT_DOUBLE_EQ(result.sets[1].report.metrics.accuracy_mean, 0.5);
  EXPECT_DOUBLE_EQ(result.best_score(), 0.75);  // best_by mean
}

TEST(EvalSets, BestByNamesASetAndPairsStillNamesThePairsFile) {
  SetsFixture fx;
  fx.config.sets = {"lfw.bin"};
  fx.config.best_by = "lfw";
  EvalNetwork net{embed_angles, embed_angles, ""};
  EXPECT_DOUBLE_EQ(open_eval_suite(fx.config, fx.dir.string()).run(net).best_score(), 0.5);
  // "pairs" meant eval.pairs' set before sets were named after their files.
  fx.config.best_by = "pairs";
  EXPECT_DOUBLE_EQ(open_eval_suite(fx.config, fx.dir.string()).run(net).best_score(), 1.0);
  fx.config.best_by = "view2";
  EXPECT_DOUBLE_EQ(open_eval_suite(fx.config, fx.dir.string()).run(net).best_score(), 1.0);
  fx.config.best_by = "agedb_30";
  try {
    open_eval_suite(fx.config, fx.dir.string());
    ADD_FAILURE() << "best_by agedb_30 was accepted";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("eval.best_by (agedb_30) must be mean, min or one of the sets: view2, lfw"),
              std::string::npos)
        << e.what();
  }
}

TEST(EvalSets, APairsFileAndASetOfTheSameNameAreRefused) {
  SetsFixture fx;
  fs::copy_file(fx.dir / "view2.txt", fx.dir / "lfw.txt");
  fx.config.pairs = (fx.dir / "lfw.txt").string();
  fx.config.sets = {"lfw.bin"};
  EXPECT_THROW(open_eval_suite(fx.config, fx.dir.string()), Error);
}
