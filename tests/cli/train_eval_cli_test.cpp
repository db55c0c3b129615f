// `facenet train` and `facenet eval` as a user runs them, on a tiny synthetic set.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "support/cli_runner.h"
#include "support/synth_fixture.h"

using facenet::test::run_cli;
namespace fs = std::filesystem;

namespace {
std::string tiny_args(const facenet::test::SynthSet& set, const std::string& out) {
  return " --set data.root=" + set.train + " --set train.output_dir=" + out +
         " --set eval.data_dir=" + set.test + " --set eval.pairs=" + set.pairs +
         " --set model.embedding_size=16 --set data.preprocess.image_size=64 --set data.identities_per_batch=3"
         " --set data.images_per_identity=2 --set train.batch_size=6 --set train.steps_per_epoch=2"
         " --set train.epochs=1 --set runtime.threads=2 --set data.workers=2";
}
}  // namespace

TEST(CliTrainEval, TrainsEvaluatesAndResumes) {
  const auto& set = facenet::test::synth_set(8, 6, 4, 64);
  const auto out = (fs::temp_directory_path() / ("facenet_cli_train_" + std::to_string(::getpid()))).string();
  fs::remove_all(out);
  auto r = run_cli("train --config " FACENET_SOURCE_DIR "/configs/synth_smoke.yaml" + tiny_args(set, out));
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("final verification accuracy"), std::string::npos) << r.output;
  EXPECT_TRUE(fs::exists(out + "/checkpoints/last.pt"));
  EXPECT_TRUE(fs::exists(out + "/checkpoints/best.pt"));
  EXPECT_TRUE(fs::exists(out + "/eval/epoch-1/report.json"));
  // The CLI keeps the run's log in the run folder (the library attaches no sink itself).
  {
    std::ifstream log(out + "/train.log");
    const std::string text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
    EXPECT_NE(text.find("[train] run folder " + out), std::string::npos) << text;
  }

  // Resume with more epochs continues from step 2.
  r = run_cli("train --resume " + out + " --set train.epochs=2");
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("resumed from"), std::string::npos) << r.output;

  // On resume, --config is refused (never silently ignored) and so is a change of a fixed key;
  // keys a resumed run may change are taken (above: train.epochs).
  r = run_cli("train --resume " + out + " --config " FACENET_SOURCE_DIR "/configs/synth_smoke.yaml");
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("--config cannot be combined with --resume"), std::string::npos) << r.output;
  r = run_cli("train --resume " + out + " --set model.embedding_size=32 --set train.epochs=3");
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("model.embedding_size: cannot change on --resume"), std::string::npos) << r.output;

  // Evaluate the checkpoint with other switches.
  r = run_cli("eval --checkpoint " + out + "/checkpoints/last.pt --data-dir " + set.test + " --pairs " + set.pairs +
              " --out " + out + "/eval-cli --distance cosine --flip concat --threads 2");
  ASSERT_EQ(r.code, 0) << r.output;
  std::ifstream in(out + "/eval-cli/report.json");
  const auto report = nlohmann::json::parse(in);
  EXPECT_EQ(report["distance"], "cosine");
  EXPECT_EQ(report["flip"], "concat");
  EXPECT_EQ(report["num_pairs"], 200);
  EXPECT_TRUE(fs::exists(out + "/eval-cli/roc.png"));
}

TEST(CliTrainEval, BadInputsGiveClearErrors) {
  auto r = run_cli("train --config " FACENET_SOURCE_DIR "/configs/synth_smoke.yaml --set data.root=/no/such/dir");
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("/no/such/dir"), std::string::npos) << r.output;
  r = run_cli("train --resume /no/such/run");
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("/no/such/run"), std::string::npos) << r.output;
  r = run_cli("train");
  EXPECT_EQ(r.code, 2) << r.output;
}
