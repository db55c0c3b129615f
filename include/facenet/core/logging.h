#pragma once
// Logging for the program that uses the library. The library logs through spdlog's default
// logger and never adds, removes or replaces a sink: where lines go is the program's choice
// (the facenet CLI: stderr for every command, plus <run>/train.log for a training run). The
// library offers the run log's sink for the program to attach.
#include <spdlog/sinks/sink.h>

#include <memory>
#include <string>

namespace facenet {

/// A sink that appends every line it is given to `path`, in a run log's format
/// ("[2024-05-01 12:34:56.789] info  message"). For the program to attach, e.g. as a training
/// run's train.log from train::RunContext's run-folder callback:
///   spdlog::default_logger()->sinks().push_back(facenet::log_file_sink(run_dir + "/train.log"));
/// Throws spdlog::spdlog_ex when the file cannot be opened.
std::shared_ptr<spdlog::sinks::sink> log_file_sink(const std::string& path);

/// The run log's line format, for a program that keeps lines in another sink first.
std::string log_file_pattern();

/// Sets the default logger's level from a runtime.log_level spelling
/// (trace|debug|info|warn|error|critical|off). Its sinks stay as they are.
void set_log_level(const std::string& level);

/// For a distributed worker other than rank 0: prefixes the default logger's lines with
/// `[rank N]` and lets only warnings and errors through, so N processes do not repeat rank 0's
/// progress. Its sinks stay as they are.
void quiet_worker_log(int rank);

}  // namespace facenet
