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
