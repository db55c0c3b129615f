#pragma once
// File-system helpers: every output is written atomically (temp file + rename),
// so a killed run never leaves a half-written checkpoint, report or export.
#include <cstdint>
#include <functional>
#include <string>

namespace facenet {

/// Writes `content` to `path` through `path.tmp-<pid>` and a rename. Creates parent folders.
void write_file_atomic(const std::string& path, const std::string& content);

/// Calls `write(tmp_path)` to produce the file, then renames it onto `path`.
/// If `write` throws, the temporary is removed and `path` is untouched.
void write_atomic_with(const std::string& path, const std::function<void(const std::string&)>& write);

/// Reads a whole file; throws facenet::Error naming the path when it cannot.
std::string read_file(const std::string& path);

/// Removes the temporaries (`NAME.tmp-PID`) that write_atomic_with left under `folder`
/// (recursively) when its process was killed: those whose process no longer runs. Returns
/// how many were removed.
int remove_stale_temporaries(const std::string& folder);

/// CRC-32C of a file's first `length` bytes (all of it by default), read in chunks (at disk
/// speed, constant memory). Throws Error when unreadable or shorter than `length`.
uint32_t file_crc32c(const std::string& path, uint64_t length = UINT64_MAX);

}  // namespace facenet
