#include "isolate.h"

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <exception>

namespace facenet::bench {
namespace {

void write_all(int fd, const std::string& s) {
  size_t done = 0;
  while (done < s.size()) {
    const auto n = ::write(fd, s.data() + done, s.size() - done);
    if (n <= 0) return;
    done += static_cast<size_t>(n);
  }
}

}  // namespace

IsolatedResult run_isolated(const std::function<std::string()>& fn) {
  IsolatedResult r;
  int fds[2];
  if (::pipe(fds) != 0) {
    r.error = std::string("pipe: ") + std::strerror(errno);
    return r;
  }
  const pid_t pid = ::fork();
  if (pid < 0) {
    r.error = std::string("fork: ") + std::strerror(errno);
    return r;
  }
  if (pid == 0) {
    ::close(fds[0]);
    std::string msg;
    try {
      msg = "ok\n" + fn();
    } catch (const std::exception& e) {
      msg = std::string("error\n") + e.what();
    }
    write_all(fds[1], msg);
    ::close(fds[1]);
    ::_exit(0);
  }
  ::close(fds[1]);
  std::string all;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fds[0], buf, sizeof(buf))) > 0) all.append(buf, static_cast<size_t>(n));
  ::close(fds[0]);
  int status = 0;
  rusage usage{};
  ::wait4(pid, &status, 0, &usage);
  r.peak_rss_mb = static_cast<double>(usage.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
  if (all.rfind("ok\n", 0) == 0) {
    r.output = all.substr(3);
  } else if (all.rfind("error\n", 0) == 0) {
    r.error = all.substr(6);
  } else if (WIFSIGNALED(status)) {
    r.error = "killed by signal " + std::to_string(WTERMSIG(status));
  } else {
    r.error = "exited with status " + std::to_string(WEXITSTATUS(status)) + " without a result";
  }
  return r;
}

}  // namespace facenet::bench
