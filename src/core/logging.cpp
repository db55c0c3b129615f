#include "facenet/core/logging.h"

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

namespace facenet {

void setup_logging(const std::string& level) {
  auto console = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
  auto logger = std::make_shared<spdlog::logger>("facenet", console);
  logger->set_pattern("[%H:%M:%S] %^%-5l%$ %v");
  logger->set_level(spdlog::level::from_str(level));
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
}

void add_log_file(const std::string& path) {
  auto sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(path, false);
  sink->set_pattern("[%Y-%m-%d %H:%M:%S.%e] %-5l %v");
  spdlog::default_logger()->sinks().push_back(sink);
}

void quiet_worker_log(int rank) {
  auto logger = spdlog::default_logger();
  logger->set_pattern("[%H:%M:%S] [rank " + std::to_string(rank) + "] %^%-5l%$ %v");
  if (logger->level() < spdlog::level::warn) logger->set_level(spdlog::level::warn);
}

}  // namespace facenet
