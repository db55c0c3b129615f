// `facenet train` as a task: what it refuses before a run exists, and that a run it starts
// hands its folder to the caller once, with config.yaml already written.
#include "facenet/tasks/train_task.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "facenet/core/error.h"
#include "support/synth_fixture.h"

using namespace facenet;
namespace fs = std::filesystem;

namespace {

struct TaskDir {
  fs::path dir = fs::temp_directory_path() / ("facenet_train_task_" + std::to_string(::getpid()));
  TaskDir() { fs::remove_all(dir); fs::create_directories(dir); }
  ~TaskDir() { fs::remove_all(dir); }
};

tasks::TrainTaskOptions tiny_run(const fs::path& config_file, const fs::path& out) {
  const auto& set = test::synth_set(8, 6, 4, 64);
  std::ofstream(config_file) << "model: {embedding_size: 16}\n"
                                "data: {root: " << set.train << ", workers: 2, preprocess: {image_size: 64}, "
                                "sampler: pk, identities_per_batch: 3, images_per_identity: 2}\n"
                                "loss: {mining: batch_hard}\n"
                                "train: {batch_size: 6, steps_per_epoch: 1, epochs: 1, eval_every_epochs: 0}\n"
                                "runtime: {threads: 2, log_level: warn}\n";
  tasks::TrainTaskOptions o;
  o.config_path = config_file.string();
  o.overrides = {"train.output_dir=" + out.string()};
  return o;
}

}  // namespace

TEST(TrainTask, ConfigAndResumeTogetherAreRefused) {
  tasks::TrainTaskOptions o;
  o.config_path = "c.yaml";
  o.resume = "runs/x";
  try {
    tasks::run_train(o);
    FAIL() << "expected a ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("--config cannot be combined with --resume"), std::string::npos) << e.what();
  }
}

TEST(TrainTask, AnUnknownHeadIsRefusedBeforeTheRunFolderExists) {
  TaskDir t;
  auto o = tiny_run(t.dir / "c.yaml", t.dir / "run");
  o.overrides.push_back("loss.head=arcfase");
  int handed = 0;
  o.on_run_folder = [&](const std::string&) { ++handed; };
  try {
    tasks::run_train(o);
    FAIL() << "expected a ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("loss.head (arcfase) is not a registered head"), std::string::npos)
        << e.what();
  }
  EXPECT_EQ(handed, 0);
  EXPECT_FALSE(fs::exists(t.dir / "run"));
}

TEST(TrainTask, ARunHandsItsFolderOnceWithItsConfigWritten) {
  TaskDir t;
  auto o = tiny_run(t.dir / "c.yaml", t.dir / "run");
  std::vector<std::string> handed;
  o.on_run_folder = [&](const std::string& dir) {
    handed.push_back(dir);
    EXPECT_TRUE(fs::exists(fs::path(dir) / "config.yaml"));
    EXPECT_FALSE(fs::exists(fs::path(dir) / "checkpoints" / "last.pt"));
  };
  EXPECT_EQ(tasks::run_train(o), 0);
  ASSERT_EQ(handed.size(), 1u);
  EXPECT_EQ(fs::path(handed[0]), t.dir / "run");
  EXPECT_TRUE(fs::exists(t.dir / "run" / "checkpoints" / "last.pt"));
}
