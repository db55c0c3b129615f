// Killed at random moments, resumed each time: a run still completes, every checkpoint left
// behind loads and passes its digest, and metrics hold every step exactly once. Also a full
// disk: the run stops with a clear error and the previous checkpoint stays intact.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mount.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <random>
#include <sstream>
#include <thread>

#include "facenet/checkpoint/checkpoint.h"
#include "facenet/core/config_yaml.h"
#include "facenet/core/fs.h"
#include "support/process.h"
#include "support/synth_fixture.h"

using namespace facenet;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

fs::path temp_dir(const std::string& name) {
  const auto dir = fs::temp_directory_path() / ("facenet_soak_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

std::string write_config(const fs::path& dir, const fs::path& run, const std::vector<std::string>& extra) {
  const auto& set = test::synth_set(8, 6, 4, 64);
  std::vector<std::string> overrides{"data.root=" + set.train,      "train.output_dir=" + run.string(),
                                     "eval.data_dir=" + set.test,   "eval.pairs=" + set.pairs,
                                     "model.embedding_size=16",     "data.preprocess.image_size=64",
                                     "data.sampler=triplet",        "loss.mining=none",
                                     "train.batch_size=6",          "train.log_every_steps=1",
                                     "runtime.threads=1",           "data.workers=1",
                                     "runtime.log_level=info"};
  overrides.insert(overrides.end(), extra.begin(), extra.end());
  const auto path = (dir / "config.yaml").string();
  write_file_atomic(path, to_yaml(load_config_text("", "test", overrides)));
  return path;
}

/// Steps of metrics.csv's training rows (those with a loss), in file order.
std::vector<int64_t> logged_steps(const fs::path& csv) {
  std::istringstream in(read_file(csv.string()));
  std::string header, line;
  std::getline(in, header);
  std::vector<std::string> columns;
  std::stringstream hs(header);
  for (std::string c; std::getline(hs, c, ',');) columns.push_back(c);
  const auto col = [&](const std::string& name) {
    return std::find(columns.begin(), columns.end(), name) - columns.begin();
  };
  const auto step_col = col("step"), loss_col = col("loss");
  std::vector<int64_t> steps;
  while (std::getline(in, line)) {
    std::vector<std::string> cells;
    std::stringstream ls(line);
    for (std::string c; std::getline(ls, c, ',');) cells.push_back(c);
    if (static_cast<std::size_t>(loss_col) < cells.size() && !cells[loss_col].empty())
      steps.push_back(std::stoll(cells[step_col]));
  }
  return steps;
}

}  // namespace

TEST(Soak, TwentyRandomKillsThenResumeStillCompleteTheRun) {
  const auto dir = temp_dir("kills");
  const auto run = dir / "run";
  // Long enough that twenty kills land before the run ends on a fast CPU: the whole run takes
  // about 30 s of training on a 2-core Zen 4, the attempts at most 20 x 1 s of it.
  const auto config = write_config(dir, run, {"train.steps_per_epoch=3", "train.epochs=100", "train.keep_last=2"});
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> delay_ms(0, 1000);
  int kills = 0;
  for (int attempt = 0; attempt < 20; ++attempt) {
    const bool resume = fs::exists(run / "checkpoints" / "last.pt");
    const std::vector<std::string> args = resume ? std::vector<std::string>{"train", "--resume", run.string()}
                                                 : std::vector<std::string>{"train", "--config", config};
    const auto log = (dir / ("attempt" + std::to_string(attempt) + ".log")).string();
    const pid_t pid = test::spawn_cli(args, {}, log);
    test::KillOnExit cleanup{{pid}};
    // Kill somewhere after the loop started: in a step, an evaluation or a checkpoint write.
    const auto give_up = Clock::now() + std::chrono::seconds(60);
    while (read_file(log).find("starting at step") == std::string::npos && Clock::now() < give_up &&
           test::wait_for(pid, 0.05) == -1) {
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms(rng)));
    if (test::wait_for(pid, 0) != -1) break;  // it finished first
    ::kill(pid, SIGKILL);
    ASSERT_EQ(test::wait_for(pid, 30), 128 + SIGKILL);
    ++kills;
  }
  EXPECT_EQ(kills, 20);
  // The last resume runs to the end.
  const auto r = test::spawn_cli({"train", "--resume", run.string()}, {}, (dir / "final.log").string());
  test::KillOnExit cleanup{{r}};
  ASSERT_EQ(test::wait_for(r, 300), 0) << read_file((dir / "final.log").string());

  for (const auto& e : fs::directory_iterator(run / "checkpoints")) {
    ASSERT_EQ(e.path().extension(), ".pt") << "a temporary file was left behind: " << e.path();
    const auto c = Checkpoint::open(e.path().string());
    EXPECT_TRUE(c.digest_verified()) << e.path();
  }
  EXPECT_EQ(Checkpoint::open((run / "checkpoints" / "last.pt").string()).info().state.step, 300);
  std::vector<int64_t> expected(300);
  for (int i = 0; i < 300; ++i) expected[i] = i + 1;
  EXPECT_EQ(logged_steps(run / "metrics.csv"), expected);
}

TEST(Soak, FullDiskStopsTheRunAndKeepsThePreviousCheckpoint) {
  const auto dir = temp_dir("disk");
  // The size of one checkpoint, from a run on the normal disk.
  const auto probe = write_config(dir, dir / "probe", {"train.steps_per_epoch=1", "train.epochs=1", "eval.pairs="});
  ASSERT_EQ(test::wait_for(test::spawn_cli({"train", "--config", probe}, {}, (dir / "probe.log").string()), 120), 0);
  const auto size = fs::file_size(dir / "probe" / "checkpoints" / "last.pt");
  // A disk that holds one checkpoint and the run's small files, not a second checkpoint.
  const auto mnt = dir / "small-disk";
  fs::create_directories(mnt);
  const auto options = "size=" + std::to_string(size + size / 2);
  if (::mount("tmpfs", mnt.c_str(), "tmpfs", 0, options.c_str()) != 0)
    GTEST_SKIP() << "cannot mount a tmpfs here (not root?): " << std::strerror(errno);
  struct Unmount {
    fs::path p;
    ~Unmount() { ::umount2(p.c_str(), MNT_DETACH); }
  } unmount{mnt};
  const auto config = write_config(dir, mnt / "run",
                                   {"train.steps_per_epoch=1", "train.epochs=3", "eval.pairs=", "train.save_every_epochs=0"});
  const auto log = (dir / "full.log").string();
  const int code = test::wait_for(test::spawn_cli({"train", "--config", config}, {}, log), 180);
  const auto output = read_file(log);
  EXPECT_EQ(code, 1) << output;
  EXPECT_NE(output.find("No space left on device"), std::string::npos) << output;
  EXPECT_NE(output.find("the disk is full"), std::string::npos) << output;
  EXPECT_NE(output.find("previous file, if any, is unchanged"), std::string::npos) << output;
  EXPECT_EQ(output.find("frame #"), std::string::npos) << output;
  const auto last = Checkpoint::open((mnt / "run" / "checkpoints" / "last.pt").string());
  EXPECT_TRUE(last.digest_verified());
  EXPECT_EQ(last.info().state.step, 1);
  for (const auto& e : fs::directory_iterator(mnt / "run" / "checkpoints"))
    EXPECT_EQ(e.path().filename(), "last.pt") << "left behind: " << e.path();
}
