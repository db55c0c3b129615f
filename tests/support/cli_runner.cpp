#include "support/cli_runner.h"

#include <sys/wait.h>

#include <array>
#include <cstdio>

namespace facenet::test {

CliResult run_shell(const std::string& command) {
  CliResult result;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (!pipe) return result;
  std::array<char, 4096> buf{};
  while (auto n = std::fread(buf.data(), 1, buf.size(), pipe)) result.output.append(buf.data(), n);
  const int status = ::pclose(pipe);
  result.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

CliResult run_cli(const std::string& args) { return run_shell(std::string(FACENET_CLI) + " " + args); }

}  // namespace facenet::test
