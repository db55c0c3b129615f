// RunContext names the run folder and hands it to the program once it is made, which decides
// where logs go (the library attaches no sink of its own); the Trainer makes the folder only after
// every check that depends on the device, the data or the config has passed.
#include "facenet/train/run_context.h"

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <filesystem>

#include "facenet/core/config_yaml.h"
#include "facenet/core/error.h"
#include "facenet/core/fs.h"
#include "facenet/core/logging.h"
#include "facenet/train/trainer.h"
#include "support/scoped_sink.h"
#include "support/synth_fixture.h"

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
    EXPECT_FALSE(fs::exists(dir)) << "named, not made, before the preflight";
    context->open_run_folder(config);
    context->open_run_folder(config);  // once
    EXPECT_EQ(spdlog::default_logger()->sinks().size(), sinks + 1);  // the program's own, only
  }
  ASSERT_EQ(handed, std::vector<fs::path>{dir});
  const auto log = read_file((dir / "train.log").string());
  EXPECT_NE(log.find("info  [train] run folder " + dir.string() + "\n"), std::string::npos) << log;

  // Without a callback the folder is prepared the same way, and still no sink is added.
  const auto again = train::RunContext::create(config, dir.string());
  again->open_run_folder(config);
  EXPECT_EQ(again->run_dir, dir);
  EXPECT_EQ(spdlog::default_logger()->sinks().size(), sinks);
  fs::remove_all(dir);
}

namespace {

/// A small run over the shared synthetic set whose evaluation reads its pairs file.
Config preflight_config(const fs::path& out, const std::vector<std::string>& extra) {
  const auto& set = test::synth_set(8, 6, 4, 64);
  std::vector<std::string> overrides{"data.root=" + set.train, "train.output_dir=" + out.string(),
                                     "model.embedding_size=16", "data.preprocess.image_size=64",
                                     "eval.data_dir=" + set.test, "eval.pairs=" + set.pairs,
                                     "runtime.threads=2", "data.workers=2", "runtime.log_level=warn"};
  overrides.insert(overrides.end(), extra.begin(), extra.end());
  return load_config("", overrides);
}

}  // namespace

// Issue #30's preflight: what the device, the data or the config refuses is refused before the
// run has a folder, so nothing is left half made (before, config.yaml was already written).
TEST(Preflight, RefusedRunsLeaveNoRunFolder) {
  const auto dir = fs::temp_directory_path() / ("facenet_preflight_" + std::to_string(::getpid()));
  const std::vector<std::pair<std::vector<std::string>, std::string>> refused{
      {{"train.amp=fp16"}, "train.amp: fp16 needs a CUDA device"},             // the device
      {{"eval.best_by=nosuchset"}, "eval.best_by"},                            // the set names
      {{"data.root=" + (dir / "no-such-data").string()}, "no-such-data"},     // the data
  };
  for (const auto& [overrides, message] : refused) {
    fs::remove_all(dir);
    try {
      train::Trainer trainer(preflight_config(dir / "run", overrides));
      ADD_FAILURE() << overrides.front() << " was accepted";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(message), std::string::npos) << e.what();
    }
    EXPECT_FALSE(fs::exists(dir / "run")) << overrides.front() << " left a run folder behind";
  }
  // The same config without the fault gets its folder with config.yaml.
  fs::remove_all(dir);
  {
    train::Trainer trainer(preflight_config(dir / "run", {}));
    EXPECT_TRUE(fs::exists(dir / "run" / "config.yaml"));
  }
  fs::remove_all(dir);
}
