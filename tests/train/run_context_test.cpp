// RunContext prepares the run folder and hands it to the program, which decides where logs go:
// the library attaches no sink of its own.
#include "facenet/train/run_context.h"

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <filesystem>

#include "facenet/core/fs.h"
#include "facenet/core/logging.h"
#include "support/scoped_sink.h"

using namespace facenet;
namespace fs = std::filesystem;

TEST(RunContext, HandsTheRunFolderToTheProgramBeforeTheRunLogsAndAddsNoSink) {
  const auto dir = fs::temp_directory_path() / ("facenet_run_context_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  Config config;
  config.train.output_dir = dir.string();
  config.runtime.threads = 2;
  set_log_level("info");
  const auto sinks = spdlog::default_logger()->sinks().size();

  std::vector<fs::path> handed;
  {
    test::ScopedSink train_log;
    const auto context = train::RunContext::create(config, "", [&](const fs::path& run_dir) {
      handed.push_back(run_dir);
      EXPECT_TRUE(fs::exists(run_dir / "config.yaml"));
      train_log.attach(log_file_sink((run_dir / "train.log").string()));
    });
    EXPECT_EQ(context->run_dir, dir);
    EXPECT_EQ(spdlog::default_logger()->sinks().size(), sinks + 1);  // the program's own, only
  }
  ASSERT_EQ(handed, std::vector<fs::path>{dir});
  // Attached before the run's first line, so train.log has all of them.
  const auto log = read_file((dir / "train.log").string());
  EXPECT_NE(log.find("info  [train] run folder " + dir.string() + "\n"), std::string::npos) << log;
  EXPECT_NE(log.find("info  [train] 2 threads"), std::string::npos) << log;

  // Without a callback the folder is prepared the same way, and still no sink is added.
  const auto again = train::RunContext::create(config, dir.string());
  EXPECT_EQ(again->run_dir, dir);
  EXPECT_EQ(spdlog::default_logger()->sinks().size(), sinks);
  fs::remove_all(dir);
}
