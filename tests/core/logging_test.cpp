// The library's logging offer: a run log's sink for the program to attach, and the level.
#include "facenet/core/logging.h"

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <filesystem>
#include <regex>
#include <sstream>

#include "facenet/core/fs.h"

namespace fs = std::filesystem;

TEST(Logging, LogFileSinkAppendsLinesInTheRunLogFormat) {
  const auto path = (fs::temp_directory_path() / ("facenet_log_sink_" + std::to_string(::getpid()) + ".log")).string();
  fs::remove(path);
  for (int run = 0; run < 2; ++run) {  // a resumed run appends to its train.log
    spdlog::logger logger("run", facenet::log_file_sink(path));
    logger.info("run {} started", run);
    logger.warn("careful");
    logger.flush();
  }
  const std::regex line(R"(\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\] (.*))");
  std::vector<std::string> rest;
  std::istringstream in(facenet::read_file(path));
  for (std::string l; std::getline(in, l);) {
    std::smatch m;
    ASSERT_TRUE(std::regex_match(l, m, line)) << l;
    rest.push_back(m[1]);
  }
  EXPECT_EQ(rest, (std::vector<std::string>{"info  run 0 started", "warning careful", "info  run 1 started",
                                            "warning careful"}));
  fs::remove(path);
}

TEST(Logging, SetLogLevelChangesTheLevelAndLeavesTheSinks) {
  auto logger = spdlog::default_logger();
  const auto sinks = logger->sinks();
  const auto level = logger->level();
  facenet::set_log_level("warn");
  EXPECT_EQ(logger->level(), spdlog::level::warn);
  facenet::set_log_level("debug");
  EXPECT_EQ(logger->level(), spdlog::level::debug);
  EXPECT_EQ(logger->sinks(), sinks);
  logger->set_level(level);
}
