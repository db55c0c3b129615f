#pragma once
// Helpers the harnesses share: a per-process scratch folder for parsers that take a path, and
// the rule every harness follows (facenet::Error is the only acceptable failure).
#include <cstddef>
#include <cstdint>
#include <string>

namespace facenet::fuzz {

/// A fresh per-process scratch folder (under $TMPDIR), created once.
const std::string& scratch_dir();
/// Writes `size` bytes to scratch_dir()/name and returns the path.
std::string write_file(const std::string& name, const uint8_t* data, std::size_t size);
std::string write_file(const std::string& name, const std::string& bytes);
/// Quiets the library's logging (spdlog) so the fuzzer's output stays readable.
void quiet_logs();

}  // namespace facenet::fuzz
