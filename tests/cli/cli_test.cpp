// Runs the built `facenet` binary as a user would and checks output and exit codes.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "support/cli_runner.h"

using facenet::test::run_cli;

TEST(Cli, HelpExitsZero) {
  auto r = run_cli("--help");
  EXPECT_EQ(r.code, 0);
  EXPECT_NE(r.output.find("info"), std::string::npos);
  EXPECT_NE(r.output.find("config"), std::string::npos);
}

TEST(Cli, EverySubcommandHasHelp) {
  for (const char* sub : {"info", "config", "config show"}) {
    auto r = run_cli(std::string(sub) + " --help");
    EXPECT_EQ(r.code, 0) << sub;
    EXPECT_NE(r.output.find("Usage"), std::string::npos) << sub << r.output;
  }
}

TEST(Cli, NoSubcommandIsUsageError) { EXPECT_EQ(run_cli("").code, 2); }

TEST(Cli, UnknownOptionIsUsageError) { EXPECT_EQ(run_cli("info --frobnicate").code, 2); }

TEST(Cli, InfoPrintsVersionsAndThreads) {
  auto r = run_cli("info --threads 2");
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("LibTorch: 1."), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("OpenCV: 4."), std::string::npos);
  EXPECT_NE(r.output.find("intra-op threads: 2"), std::string::npos);
  EXPECT_NE(r.output.find("CUDA:"), std::string::npos);
  EXPECT_NE(r.output.find("distributed: gloo"), std::string::npos);
}

TEST(Cli, ConfigShowAppliesOverrides) {
  auto r = run_cli("config show --set train.batch_size=48 --set model.backbone=inception_resnet_v1");
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("batch_size: 48"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("backbone: inception_resnet_v1"), std::string::npos);
}

TEST(Cli, BadConfigKeyExitsTwoWithLineAndSuggestion) {
  const auto path = std::filesystem::temp_directory_path() / "facenet_cli_bad.yaml";
  std::ofstream(path) << "train:\n  epochs: 2\n  batchsize: 9\n";
  auto r = run_cli("config show --config " + path.string());
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.output.find(path.string() + ":3"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("did you mean 'train.batch_size'"), std::string::npos) << r.output;
}

TEST(Cli, MissingConfigFileExitsTwo) {
  auto r = run_cli("config show --config /nonexistent/x.yaml");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.output.find("/nonexistent/x.yaml"), std::string::npos);
}

TEST(Cli, ShippedConfigsAreValid) {
  for (const auto& entry : std::filesystem::directory_iterator(FACENET_SOURCE_DIR "/configs")) {
    auto r = run_cli("config show --config " + entry.path().string());
    EXPECT_EQ(r.code, 0) << entry.path() << "\n" << r.output;
  }
}

TEST(Cli, ThreadsMeansTheSameInEveryCommand) {
  for (const char* sub : {"info", "synth", "align", "bench", "eval", "embed", "identify", "enroll", "eval-identify",
                          "cluster", "quantize"}) {
    const auto r = run_cli(std::string(sub) + " --help");
    ASSERT_EQ(r.code, 0) << sub << r.output;
    const auto at = r.output.find("--threads");
    ASSERT_NE(at, std::string::npos) << sub << r.output;
    const auto line = r.output.substr(at, r.output.find('\n', at) - at);
    EXPECT_NE(line.find("Threads for the network and image decoding alike (0 = all cores)"), std::string::npos)
        << sub << ": " << line;
  }
}

namespace {
/// Runs `args`, which must be refused as bad usage (exit 2) with a message containing `says`.
void expect_refused(const std::string& args, const std::string& says) {
  const auto r = run_cli(args);
  EXPECT_EQ(r.code, 2) << args << "\n" << r.output;
  EXPECT_NE(r.output.find(says), std::string::npos) << args << "\n" << r.output;
}
}  // namespace

TEST(Cli, EnumFlagsTakeTheConfigSpellings) {
  expect_refused("eval --pairs p.txt --flip sideways", "--flip: 'sideways' is not one of none | concat | sum");
  // Formats come from the network-format table, which names the registered ones.
  expect_refused("export --checkpoint x.pt --out y --format tflite",
                 "export.format: unknown format 'tflite' (registered: onnx, torchscript, state-dict)");
  expect_refused("embed --model m.pt x --out e.csv --dtype fp64", "--dtype: 'fp64' is not one of fp32 | bf16 | auto");
  expect_refused("embed --model m.pt x --out e.csv --threads -2", "--threads: must be >= 0 (0 = all cores)");
}

TEST(Cli, FlagValuesMeetTheRulesOfTheirConfigKeys) {
  // A flag sets its config field after --config and --set; the same validation judges it.
  expect_refused("eval --pairs p.txt --folds 1", "eval.folds (1) must be >= 2");
  expect_refused("export --checkpoint x.pt --out y --opset 11", "export.opset (11)");
  // The flag is applied after --set (a valid --set value of the same key is replaced).
  expect_refused("eval --pairs p.txt --set eval.folds=5 --folds 1", "eval.folds (1) must be >= 2");
}
