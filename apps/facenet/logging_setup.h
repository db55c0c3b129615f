#pragma once
// Where the CLI's logs go (the library adds no sinks; this is the application's choice): stderr
// for every command, and a training run's train.log besides.
#include <string>

namespace facenet::cli {

/// Makes spdlog's default logger write to stderr ("[12:34:56] info  message") at info, flushing
/// every line. Once, in main, before any command runs; commands with a config then set the level
/// (runtime.log_level).
void log_to_console();

/// Also copies every line to `path`, appending (a run's train.log; facenet::log_file_sink),
/// after the lines logged before it (kept since log_to_console), so train.log starts with the
/// run's preflight even though the run folder is only made once the preflight passed.
void log_to_file(const std::string& path);

}  // namespace facenet::cli
