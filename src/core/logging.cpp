#include "facenet/core/logging.h"

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/spdlog.h>

namespace facenet {

std::string log_file_pattern() { return "[%Y-%m-%d %H:%M:%S.%e] %-5l %v"; }

std::shared_ptr<spdlog::sinks::sink> log_file_sink(const std::string& path) {
  auto sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(path, /*truncate=*/false);
  sink->set_pattern(log_file_pattern());
  return sink;
}

void set_log_level(const std::string& level) { spdlog::default_logger()->set_level(spdlog::level::from_str(level)); }

void quiet_worker_log(int rank) {
  auto logger = spdlog::default_logger();
  logger->set_pattern("[%H:%M:%S] [rank " + std::to_string(rank) + "] %^%-5l%$ %v");
  if (logger->level() < spdlog::level::warn) logger->set_level(spdlog::level::warn);
}

}  // namespace facenet
