#pragma once
// Child processes for tests that run the CLI as separate processes (distributed ranks, signals).
#include <sys/types.h>

#include <string>
#include <utility>
#include <vector>

namespace facenet::test {

/// A loopback TCP port nobody listens on right now.
int free_port();

/// Starts the CLI with `args`, this process's environment plus `env` (NAME, value), stdout and
/// stderr to `log`. Returns the pid, or -1.
pid_t spawn_cli(const std::vector<std::string>& args, const std::vector<std::pair<std::string, std::string>>& env,
                const std::string& log);

/// Waits up to `seconds` for `pid`; its exit code (128 + signal when killed), or -1 on timeout.
int wait_for(pid_t pid, double seconds);

/// Kills the test's child processes still running when a test ends early.
struct KillOnExit {
  std::vector<pid_t> pids;
  ~KillOnExit();
};

}  // namespace facenet::test
