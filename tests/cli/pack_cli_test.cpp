// `facenet pack`, `unpack`, `bench-data --rec`, training from a pack with .bin verification sets
// (eval.sets) and `facenet eval --bin`, as a user runs them on a tiny synthetic set.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "support/cli_runner.h"
#include "support/pickle_writer.h"

using facenet::test::run_cli;
namespace fs = std::filesystem;

namespace {
struct Tmp {
  fs::path path = fs::temp_directory_path() / ("facenet_pack_cli_" + std::to_string(::getpid()));
  Tmp() { fs::remove_all(path); }
  ~Tmp() { fs::remove_all(path); }
};
std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
// A .bin of 20 pairs over the synth test tree: pair i alternates same / different identity.
void write_bin(const fs::path& test_dir, const fs::path& out) {
  std::vector<std::vector<fs::path>> ids;
  for (const auto& e : fs::directory_iterator(test_dir))
    if (e.is_directory()) {
      std::vector<fs::path> images;
      for (const auto& f : fs::directory_iterator(e.path())) images.push_back(f.path());
      std::sort(images.begin(), images.end());
      ids.push_back(images);
    }
  std::sort(ids.begin(), ids.end());
  std::vector<std::string> images;
  std::vector<bool> issame;
  for (std::size_t i = 0; i < 20; ++i) {
    const auto& a = ids[i % ids.size()];
    const bool same = i % 2 == 0;
    const auto& b = same ? a : ids[(i + 1) % ids.size()];
    images.push_back(slurp(a[i % a.size()]));
    images.push_back(slurp(b[(i + 1) % b.size()]));
    issame.push_back(same);
  }
  std::ofstream(out, std::ios::binary) << facenet::test::python2_bin_pickle(images, issame);
}
}  // namespace

TEST(PackCli, PackUnpackRepackTrainAndEvaluateBins) {
  Tmp tmp;
  const auto synth = tmp.path / "synth";
  auto r = run_cli("synth --out " + synth.string() +
                   " --identities 4 --images-per-identity 5 --pair-identities 4 --folds 2 --pairs-per-fold 3"
                   " --size 64 --seed 3");
  ASSERT_EQ(r.code, 0) << r.output;

  // pack -> unpack -> pack gives the same train.rec.
  const auto pack1 = tmp.path / "pack1", unpacked = tmp.path / "unpacked", pack2 = tmp.path / "pack2";
  r = run_cli("pack " + (synth / "train").string() + " --out " + pack1.string());
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("packed 20 images of 4 identities"), std::string::npos) << r.output;
  EXPECT_TRUE(fs::exists(pack1 / "train.idx"));
  EXPECT_TRUE(fs::exists(pack1 / "property"));
  r = run_cli("unpack " + pack1.string() + " --out " + unpacked.string());
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("unpacked 20 images"), std::string::npos) << r.output;
  r = run_cli("pack " + unpacked.string() + " --out " + pack2.string());
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_EQ(slurp(pack1 / "train.rec"), slurp(pack2 / "train.rec"));
  EXPECT_EQ(slurp(pack1 / "train.idx"), slurp(pack2 / "train.idx"));

  // --size resizes; a missing input is a usage error.
  r = run_cli("pack " + (synth / "train").string() + " --out " + (tmp.path / "pack32").string() + " --size 32");
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("(20 resized)"), std::string::npos) << r.output;
  EXPECT_EQ(run_cli("pack /no/such/tree --out " + (tmp.path / "x").string()).code, 2);
  EXPECT_EQ(run_cli("unpack " + (synth / "train").string() + " --out " + (tmp.path / "y").string()).code, 2);

  // The loader from the pack and from the folder.
  r = run_cli("bench-data --rec " + pack1.string() + " --root " + (synth / "train").string() +
              " --batches 2 --batch-size 6 --workers 2 --set data.preprocess.image_size=32");
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("pack " + pack1.string() + ": 12 images in"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("folder " + (synth / "train").string() + ": 12 images in"), std::string::npos) << r.output;

  // Train 2 steps from the pack (with a validation split read through the pack), evaluating two
  // .bin sets found in a folder beside train.rec; best.pt follows the mean.
  write_bin(synth / "test", pack1 / "lfw.bin");
  write_bin(synth / "test", pack1 / "agedb_30.bin");
  const auto run = tmp.path / "run";
  r = run_cli("train --config " FACENET_SOURCE_DIR "/configs/synth_smoke.yaml --set data.root= --set data.rec=" +
              pack1.string() + " --set eval.pairs= --set eval.data_dir= --set eval.sets=[.] --set eval.folds=2"
              " --set train.output_dir=" + run.string() +
              " --set model.embedding_size=16 --set data.preprocess.image_size=64 --set data.identities_per_batch=3"
              " --set data.images_per_identity=2 --set train.batch_size=6 --set train.steps_per_epoch=2"
              " --set train.epochs=1 --set runtime.threads=2 --set data.workers=2 --set data.val_split=0.2");
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("held-out image classification accuracy"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("[eval] epoch-1 lfw: accuracy"), std::string::npos) << r.output;
  EXPECT_TRUE(fs::exists(run / "checkpoints/best.pt"));
  EXPECT_TRUE(fs::exists(run / "eval/epoch-1/lfw/report.json"));
  EXPECT_TRUE(fs::exists(run / "eval/epoch-1/agedb_30/roc.png"));
  const auto history = slurp(run / "eval/history.csv");
  EXPECT_EQ(history.substr(0, history.find('\n')), "minutes,step,epoch,set,accuracy,accuracy_std,auc");
  EXPECT_NE(history.find(",agedb_30,"), std::string::npos) << history;
  EXPECT_NE(history.find(",lfw,"), std::string::npos) << history;
  const auto metrics = slurp(run / "metrics.csv");
  EXPECT_NE(metrics.find("eval_lfw_accuracy"), std::string::npos);
  EXPECT_NE(metrics.find("eval_agedb_30_accuracy"), std::string::npos);

  // facenet eval --bin on both sets (a folder and a file), one table, a report per set.
  r = run_cli("eval --checkpoint " + (run / "checkpoints/last.pt").string() + " --bin " +
              (pack1 / "lfw.bin").string() + " --bin " + (pack1 / "agedb_30.bin").string() + " --folds 2 --flip sum" +
              " --threads 2 --out " + (tmp.path / "eval").string());
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("lfw "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("agedb_30 "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("mean"), std::string::npos) << r.output;
  std::ifstream in(tmp.path / "eval/lfw/report.json");
  const auto report = nlohmann::json::parse(in);
  EXPECT_EQ(report["distance"], "l2sq");
  EXPECT_EQ(report["flip"], "sum");
  EXPECT_EQ(report["num_pairs"], 20);
  EXPECT_TRUE(fs::exists(tmp.path / "eval/agedb_30/roc.png"));
  // --bin and --pairs together are a usage error.
  EXPECT_EQ(run_cli("eval --bin " + (pack1 / "lfw.bin").string() + " --pairs x.txt").code, 2);
}
