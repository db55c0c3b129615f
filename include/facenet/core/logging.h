#pragma once
// spdlog set-up: a console sink always, plus a run folder's log file when there is one.
#include <string>

namespace facenet {

/// Console logging at `level` (trace|debug|info|warn|error|critical|off).
void setup_logging(const std::string& level);

/// Also copies every log line to `path` (e.g. <run>/train.log), appending.
void add_log_file(const std::string& path);

/// For a distributed worker other than rank 0: prefixes console lines with `[rank N]` and
/// shows only warnings and errors, so N processes do not repeat rank 0's progress.
void quiet_worker_log(int rank);

}  // namespace facenet
