#include "facenet/core/signals.h"

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <thread>

namespace facenet {
namespace {

// Signal handlers can reach only process-wide state.
std::atomic<int> g_signal{0};
std::atomic<int> g_cooperative{0};
std::atomic<double> g_grace_s{10.0};

void on_signal(int sig) {
  int none = 0;
  if (!g_signal.compare_exchange_strong(none, sig)) ::_exit(128 + sig);  // a second signal: now
}

[[noreturn]] void exit_now(int sig, const char* why) {
  // Plain stdio: main() may already be destroying spdlog's registry while this thread runs.
  std::fflush(stdout);
  std::fprintf(stderr, "signal %d: %s; exiting with code %d\n", sig, why, 128 + sig);
  std::fflush(stderr);
  std::_Exit(128 + sig);
}

void watchdog() {
  using Clock = std::chrono::steady_clock;
  while (g_signal.load() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  const int sig = g_signal.load();
  const auto deadline = Clock::now() + std::chrono::duration<double>(g_grace_s.load());
  while (g_cooperative.load() > 0) {
    if (Clock::now() >= deadline) exit_now(sig, "the run did not reach a point to save within the grace period");
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  // No cooperative section (or it has finished: whatever it saved is on disk).
  exit_now(sig, "stopped");
}

}  // namespace

void install_stop_signals(double grace_s) {
  static std::once_flag once;
  std::call_once(once, [grace_s] {
    g_grace_s = grace_s;
    struct sigaction sa {};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
    std::thread(watchdog).detach();
  });
}

const std::atomic<int>& stop_signal() { return g_signal; }

CooperativeStop::CooperativeStop() { ++g_cooperative; }
CooperativeStop::~CooperativeStop() { --g_cooperative; }

}  // namespace facenet
