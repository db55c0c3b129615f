#include "logging_setup.h"

#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <fstream>

#include "facenet/core/logging.h"

namespace facenet::cli {
namespace {

/// The lines a run logs before its folder exists (its preflight: config, data, model and
/// evaluation checks) are kept here so train.log can start with them. A few hundred is plenty;
/// the buffer only ever holds the last ones.
constexpr std::size_t kEarlyLines = 512;

std::shared_ptr<spdlog::sinks::ringbuffer_sink_mt> early_lines(const spdlog::logger& logger) {
  for (const auto& sink : logger.sinks())
    if (auto ring = std::dynamic_pointer_cast<spdlog::sinks::ringbuffer_sink_mt>(sink)) return ring;
  return nullptr;
}

}  // namespace

void log_to_console() {
  auto console = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
  console->set_pattern("[%H:%M:%S] %^%-5l%$ %v");
  auto early = std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(kEarlyLines);
  early->set_pattern(log_file_pattern());
  auto logger = std::make_shared<spdlog::logger>("facenet", spdlog::sinks_init_list{console, early});
  logger->set_level(spdlog::level::info);
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
}

void log_to_file(const std::string& path) {
  auto& sinks = spdlog::default_logger()->sinks();
  if (auto early = early_lines(*spdlog::default_logger())) {
    std::ofstream out(path, std::ios::app);
    for (const auto& line : early->last_formatted()) out << line;
    sinks.erase(std::remove(sinks.begin(), sinks.end(), early), sinks.end());
  }
  sinks.push_back(log_file_sink(path));
}

}  // namespace facenet::cli
