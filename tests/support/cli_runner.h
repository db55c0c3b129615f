#pragma once
// Runs the facenet CLI (path baked in at build time) and captures its output and exit code.
#include <string>

namespace facenet::test {

struct CliResult {
  int code = -1;
  std::string output;  ///< stdout and stderr together
};

CliResult run_cli(const std::string& args);

/// Runs a shell command line (stderr folded into the output).
CliResult run_shell(const std::string& command);

}  // namespace facenet::test
