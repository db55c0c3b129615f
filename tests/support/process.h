#pragma once
// Child processes for tests that run the CLI as separate processes (distributed ranks, signals).
#include <sys/types.h>

#include <string>
#include <utility>
#include <vector>

namespace facenet::test {

/// A loopback TCP port nobody listens on right now.
int free_port();

/// Starts argv[0] with `argv` and the environment `env` ("NAME=value"), stdout and stderr to
/// `log`; each (from, to) of `fds` becomes the child's descriptor `to`; with `own_group`, in a
/// process group of its own (kill(-pid) then reaches what it starts). Returns the pid, or -1.
pid_t spawn_logged(std::vector<std::string> argv, std::vector<std::string> env, const std::string& log,
                   const std::vector<std::pair<int, int>>& fds = {}, bool own_group = false);

/// This process's environment, as spawn_logged takes it.
std::vector<std::string> environment();

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
