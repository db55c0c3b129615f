#include "facenet/tasks/launcher.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>

#include "facenet/core/error.h"
#include "facenet/train/launch_env.h"

extern char** environ;

namespace facenet::tasks {
namespace {

/// A port nobody listens on right now (the kernel's pick); rank 0's TCPStore binds it.
int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw Error(std::string("cannot open a socket to find a free port: ") + std::strerror(errno));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
                  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0;
  ::close(fd);
  if (!ok) throw Error(std::string("cannot find a free local port: ") + std::strerror(errno));
  return ntohs(addr.sin_port);
}

bool is_launch_variable(const std::string& entry) {
  for (const char* name : train::kLaunchVariables)
    if (entry.rfind(std::string(name) + "=", 0) == 0) return true;
  return false;
}

/// The environment of worker `rank`: ours, with the launch variables replaced.
std::vector<std::string> worker_environment(int rank, int nproc, int port) {
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e)
    if (!is_launch_variable(*e)) env.emplace_back(*e);
  env.push_back("RANK=" + std::to_string(rank));
  env.push_back("WORLD_SIZE=" + std::to_string(nproc));
  env.push_back("LOCAL_RANK=" + std::to_string(rank));
  env.push_back("LOCAL_WORLD_SIZE=" + std::to_string(nproc));
  env.push_back("MASTER_ADDR=127.0.0.1");
  env.push_back("MASTER_PORT=" + std::to_string(port));
  return env;
}

std::vector<char*> c_strings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

int exit_code(int status) { return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status); }

}  // namespace

std::vector<std::string> worker_arguments() {
  std::ifstream in("/proc/self/cmdline", std::ios::binary);
  const std::string raw((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::string> args;
  for (std::size_t begin = 0; begin < raw.size();) {
    const auto end = raw.find('\0', begin);
    args.push_back(raw.substr(begin, end - begin));
    begin = end == std::string::npos ? raw.size() : end + 1;
  }
  std::vector<std::string> out;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--nproc") {
      ++i;  // and its value
      continue;
    }
    if (args[i].rfind("--nproc=", 0) == 0) continue;
    out.push_back(args[i]);
  }
  return out;
}

int run_local_workers(int nproc, double grace_s) {
  if (std::getenv("RANK"))
    throw ConfigError("--nproc starts its own worker processes and cannot run under another distributed launch "
                      "(RANK is set); drop --nproc under torchrun/srun");
  if (nproc < 1) throw ConfigError("--nproc must be >= 1");
  auto args = worker_arguments();
  const int port = free_port();
  spdlog::info("[launch] starting {} worker processes (rendezvous 127.0.0.1:{})", nproc, port);

  // Signals are taken synchronously (sigtimedwait), so nothing global is needed to pass them on.
  sigset_t watched, previous;
  sigemptyset(&watched);
  for (int sig : {SIGCHLD, SIGINT, SIGTERM}) sigaddset(&watched, sig);
  sigprocmask(SIG_BLOCK, &watched, &previous);

  std::map<pid_t, int> running;  // pid -> rank
  auto signal_all = [&running](int sig) {
    for (const auto& [pid, rank] : running) ::kill(pid, sig);
  };
  for (int rank = 0; rank < nproc; ++rank) {
    auto env = worker_environment(rank, nproc, port);
    auto argv = c_strings(args);
    auto envp = c_strings(env);
    const pid_t pid = ::fork();
    if (pid == 0) {
      // A launcher that dies (even by SIGKILL) takes its workers with it.
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() == 1) ::_exit(127);  // it died before prctl
      sigprocmask(SIG_SETMASK, &previous, nullptr);
      ::execve("/proc/self/exe", argv.data(), envp.data());
      ::_exit(127);
    }
    if (pid < 0) {
      signal_all(SIGKILL);
      for (const auto& [p, r] : running) ::waitpid(p, nullptr, 0);
      sigprocmask(SIG_SETMASK, &previous, nullptr);
      throw Error(std::string("cannot start worker process: ") + std::strerror(errno));
    }
    running[pid] = rank;
  }

  using Clock = std::chrono::steady_clock;
  int failure = 0;
  Clock::time_point kill_at = Clock::time_point::max();
  while (!running.empty()) {
    timespec tick{0, 200 * 1000 * 1000};
    const int sig = sigtimedwait(&watched, nullptr, &tick);
    if (sig == SIGINT || sig == SIGTERM) {
      spdlog::warn("[launch] signal {}: passing it on to the workers", sig);
      signal_all(sig);
      // They save and stop within their own grace period; past ours they are killed.
      if (kill_at == Clock::time_point::max())
        kill_at = Clock::now() + std::chrono::milliseconds(static_cast<int64_t>(grace_s * 1000));
      if (failure == 0) failure = 128 + sig;
    }
    int status = 0;
    for (pid_t pid; (pid = ::waitpid(-1, &status, WNOHANG)) > 0;) {
      const auto it = running.find(pid);
      if (it == running.end()) continue;
      const int rank = it->second, code = exit_code(status);
      running.erase(it);
      if (code == 0 || failure != 0) continue;
      failure = code;
      spdlog::error("[launch] rank {} {} {}{}", rank, WIFEXITED(status) ? "exited with code" : "was killed by signal",
                    WIFEXITED(status) ? code : WTERMSIG(status), running.empty() ? "" : "; stopping the other workers");
      signal_all(SIGTERM);
      kill_at = Clock::now() + std::chrono::milliseconds(static_cast<int64_t>(grace_s * 1000));
    }
    if (!running.empty() && Clock::now() >= kill_at) {
      spdlog::error("[launch] {} worker(s) still running {} s after SIGTERM: killing them", running.size(), grace_s);
      signal_all(SIGKILL);
      kill_at = Clock::time_point::max();
    }
  }
  sigprocmask(SIG_SETMASK, &previous, nullptr);
  return failure;
}

}  // namespace facenet::tasks
