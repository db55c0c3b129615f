// Launches that never hang and signals that always end a process: a rank that never arrives,
// SIGTERM in the rendezvous, in an evaluation and in training, and PyTorch's env:// variables
// (only MASTER_ADDR, MASTER_PORT, RANK, WORLD_SIZE) on two local processes.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "facenet/checkpoint/checkpoint.h"
#include "facenet/core/config_yaml.h"
#include "facenet/core/fs.h"
#include "facenet/train/launch_env.h"
#include "support/process.h"
#include "support/synth_fixture.h"

using namespace facenet;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

fs::path temp_dir(const std::string& name) {
  const auto dir = fs::temp_directory_path() / ("facenet_rel_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

/// A tiny training config written to DIR/config.yaml.
std::string write_config(const fs::path& dir, const std::vector<std::string>& extra) {
  const auto& set = test::synth_set(8, 6, 4, 64);
  std::vector<std::string> overrides{"data.root=" + set.train,       "train.output_dir=" + (dir / "run").string(),
                                     "model.embedding_size=16",      "data.preprocess.image_size=64",
                                     "data.sampler=triplet",         "loss.mining=none",
                                     "train.batch_size=6",           "train.steps_per_epoch=2",
                                     "train.epochs=2",               "train.log_every_steps=1",
                                     "runtime.threads=1",            "data.workers=1"};
  overrides.insert(overrides.end(), extra.begin(), extra.end());
  const auto path = (dir / "config.yaml").string();
  write_file_atomic(path, to_yaml(load_config_text("", "test", overrides)));
  return path;
}

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

}  // namespace

TEST(Launch, LocalVariablesAreOptionalAsInPyTorchsEnvRendezvous) {
  std::map<std::string, std::string> vars{
      {"RANK", "1"}, {"WORLD_SIZE", "2"}, {"MASTER_ADDR", "127.0.0.1"}, {"MASTER_PORT", "29500"}};
  auto get = [&vars](const char* name) -> const char* {
    auto it = vars.find(name);
    return it == vars.end() ? nullptr : it->second.c_str();
  };
  // Only the four: a loopback rendezvous puts every rank on this machine.
  auto env = train::parse_launch_env(get);
  EXPECT_EQ(env.local_rank, 1);
  EXPECT_EQ(env.local_world_size, 2);
  // LOCAL_RANK without LOCAL_WORLD_SIZE (the launch that used to be refused).
  vars["LOCAL_RANK"] = "1";
  env = train::parse_launch_env(get);
  EXPECT_EQ(env.local_rank, 1);
  EXPECT_EQ(env.local_world_size, 2);
  // Another host's rendezvous: one process per machine unless told otherwise.
  vars = {{"RANK", "3"}, {"WORLD_SIZE", "4"}, {"MASTER_ADDR", "10.1.2.3"}, {"MASTER_PORT", "29500"}};
  env = train::parse_launch_env(get);
  EXPECT_EQ(env.local_rank, 0);
  EXPECT_EQ(env.local_world_size, 1);
  vars["LOCAL_RANK"] = "1";
  env = train::parse_launch_env(get);
  EXPECT_EQ(env.local_rank, 1);
  EXPECT_EQ(env.local_world_size, 2);
}

TEST(Launch, MissingRankFailsWithinTheTimeoutNamingIt) {
  const auto dir = temp_dir("missing");
  const auto config = write_config(dir, {"runtime.dist_timeout_s=3"});
  const auto start = Clock::now();
  // Rank 0 of 2 with LOCAL_RANK but no LOCAL_WORLD_SIZE; rank 1 never starts.
  const pid_t rank0 = test::spawn_cli({"train", "--config", config},
                                      {{"RANK", "0"}, {"WORLD_SIZE", "2"}, {"LOCAL_RANK", "0"},
                                       {"MASTER_ADDR", "127.0.0.1"}, {"MASTER_PORT", std::to_string(test::free_port())}},
                                      (dir / "rank0.log").string());
  test::KillOnExit cleanup{{rank0}};
  const int code = test::wait_for(rank0, 60);
  const auto log = read_file((dir / "rank0.log").string());
  ASSERT_NE(code, -1) << "still waiting after 60 s\n" << log;
  EXPECT_EQ(code, 1) << log;
  EXPECT_LT(seconds_since(start), 3 + 15) << log;
  EXPECT_NE(log.find("rank(s) 1 of 2 did not join within runtime.dist_timeout_s = 3 s"), std::string::npos) << log;
}

TEST(Signals, SigtermInTheRendezvousEndsTheProcessAt143) {
  const auto dir = temp_dir("rdv_term");
  const auto config = write_config(dir, {"runtime.dist_timeout_s=300"});
  const pid_t rank0 = test::spawn_cli({"train", "--config", config},
                                      {{"RANK", "0"}, {"WORLD_SIZE", "2"}, {"MASTER_ADDR", "127.0.0.1"},
                                       {"MASTER_PORT", std::to_string(test::free_port())}},
                                      (dir / "rank0.log").string());
  test::KillOnExit cleanup{{rank0}};
  // Wait until it is in the rendezvous.
  const auto give_up = Clock::now() + std::chrono::seconds(60);
  while (read_file((dir / "rank0.log").string()).find("joining") == std::string::npos && Clock::now() < give_up)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  ::kill(rank0, SIGTERM);
  const auto sent = Clock::now();
  const int code = test::wait_for(rank0, 30);
  const auto log = read_file((dir / "rank0.log").string());
  EXPECT_EQ(code, 128 + SIGTERM) << log;
  EXPECT_LT(seconds_since(sent), 5) << log;
}

TEST(Signals, SigtermInAnEvaluationEndsTheProcessWithinSeconds) {
  const auto dir = temp_dir("eval_term");
  const auto& set = test::synth_set(8, 6, 4, 64);
  // An untrained Inception-ResNet-v1 at 160 px on the test pairs: long enough to interrupt.
  const pid_t pid = test::spawn_cli({"eval", "--data-dir", set.test, "--pairs", set.pairs, "--out",
                                     (dir / "out").string(), "--set", "model.backbone=inception_resnet_v1",
                                     "--set", "data.preprocess.image_size=160", "--batch-size", "4", "--threads", "1"},
                                    {}, (dir / "eval.log").string());
  test::KillOnExit cleanup{{pid}};
  const auto give_up = Clock::now() + std::chrono::seconds(60);
  while (read_file((dir / "eval.log").string()).find("untrained") == std::string::npos && Clock::now() < give_up)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  ::kill(pid, SIGTERM);
  const auto sent = Clock::now();
  const int code = test::wait_for(pid, 30);
  EXPECT_EQ(code, 128 + SIGTERM) << read_file((dir / "eval.log").string());
  EXPECT_LT(seconds_since(sent), 5);
}

TEST(Signals, SigtermInTrainingSavesAConsistentCheckpointAndExits143) {
  const auto dir = temp_dir("train_term");
  const auto config = write_config(dir, {"train.epochs=1000"});
  const pid_t pid = test::spawn_cli({"train", "--config", config}, {}, (dir / "train.log").string());
  test::KillOnExit cleanup{{pid}};
  const auto give_up = Clock::now() + std::chrono::seconds(120);
  while (read_file((dir / "train.log").string()).find("step 3/") == std::string::npos && Clock::now() < give_up)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  ::kill(pid, SIGTERM);
  const auto sent = Clock::now();
  const int code = test::wait_for(pid, 60);
  const auto log = read_file((dir / "train.log").string());
  EXPECT_EQ(code, 128 + SIGTERM) << log;
  EXPECT_LT(seconds_since(sent), 10) << log;
  EXPECT_NE(log.find("saving at step"), std::string::npos) << log;
  const auto checkpoint = Checkpoint::open((dir / "run" / "checkpoints" / "last.pt").string());
  EXPECT_TRUE(checkpoint.digest_verified());
  EXPECT_GE(checkpoint.info().state.step, 3);
}

TEST(Launch, EnvRendezvousWithOnlyTheFourVariablesTrainsOnTwoProcesses) {
  const auto dir = temp_dir("env4");
  const auto config = write_config(dir, {"train.epochs=1", "runtime.dist_timeout_s=60"});
  const auto port = std::to_string(test::free_port());
  std::vector<pid_t> pids;
  for (int rank = 0; rank < 2; ++rank)
    pids.push_back(test::spawn_cli({"train", "--config", config},
                                   {{"RANK", std::to_string(rank)}, {"WORLD_SIZE", "2"}, {"MASTER_ADDR", "127.0.0.1"},
                                    {"MASTER_PORT", port}},
                                   (dir / ("rank" + std::to_string(rank) + ".log")).string()));
  test::KillOnExit cleanup{pids};
  for (int rank = 0; rank < 2; ++rank) {
    const auto log_path = (dir / ("rank" + std::to_string(rank) + ".log")).string();
    const int code = test::wait_for(pids[rank], 240);
    EXPECT_EQ(code, 0) << read_file(log_path);
  }
  const auto log = read_file((dir / "rank0.log").string());
  EXPECT_NE(log.find("identical on all 2 processes"), std::string::npos) << log;
  EXPECT_EQ(Checkpoint::open((dir / "run" / "checkpoints" / "last.pt").string()).info().state.step, 2);
}
