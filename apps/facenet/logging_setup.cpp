#include "logging_setup.h"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "facenet/core/logging.h"

namespace facenet::cli {

void log_to_console() {
  auto logger = std::make_shared<spdlog::logger>("facenet", std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
  logger->set_pattern("[%H:%M:%S] %^%-5l%$ %v");
  logger->set_level(spdlog::level::info);
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
}

void log_to_file(const std::string& path) { spdlog::default_logger()->sinks().push_back(log_file_sink(path)); }

}  // namespace facenet::cli
