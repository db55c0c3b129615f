#pragma once
// SIGINT/SIGTERM for every command: a process ends within a bounded time wherever it is.
//
// The first signal is recorded (stop_signal()) for code that can stop cleanly: the training loop
// polls it after each step, saves last.pt and returns. A watchdog thread bounds the wait: inside
// a CooperativeStop section (the training loop) it gives the owner `grace_s` to finish; anywhere
// else (a rendezvous, a data scan, an evaluation outside training, a blocked collective) it
// ends the process at once with exit code 128+signal. A second signal ends it at once too.
// Signals are process-wide, so this is the one process-wide object of the library.
#include <atomic>

namespace facenet {

/// Installs the handlers and the watchdog (idempotent; the first call's grace wins).
void install_stop_signals(double grace_s = 10.0);

/// The first SIGINT/SIGTERM received (0 = none). Valid whether or not installed.
const std::atomic<int>& stop_signal();

/// While one is alive, a signal waits up to the grace period for the owner to stop by itself.
class CooperativeStop {
 public:
  CooperativeStop();
  ~CooperativeStop();
  CooperativeStop(const CooperativeStop&) = delete;
  CooperativeStop& operator=(const CooperativeStop&) = delete;
};

}  // namespace facenet
