#pragma once
// The one rate meter: items per second since a start (or the last reset), an ETA against a
// total, and a progress line at most every few seconds. Used by the training progress line,
// every batched embedding loop (evaluation, embed, identify, validation) and the benchmarks.
#include <chrono>
#include <cstdint>
#include <string>

namespace facenet {

/// "1h02m03s", "4m05s" (whole seconds; negative counts as 0).
std::string format_duration(double seconds);

class RateMeter {
 public:
  using Clock = std::chrono::steady_clock;
  RateMeter() : start_(Clock::now()) {}
  void add(int64_t items) { items_ += items; }
  /// Starts a new window: counts and the clock from now.
  void reset() {
    start_ = Clock::now();
    items_ = 0;
  }
  int64_t items() const { return items_; }
  double elapsed_s() const { return std::chrono::duration<double>(Clock::now() - start_).count(); }
  /// Items per second since the start of the window.
  double rate() const { return double(items_) / std::max(elapsed_s(), 1e-9); }

 private:
  Clock::time_point start_;
  int64_t items_ = 0;
};

/// Progress through a known total: due() is true at most every `log_every_s` seconds and once
/// at the end, so callers print one line per interval.
class Progress {
 public:
  explicit Progress(int64_t total, double log_every_s = 5.0) : total_(total), log_every_s_(log_every_s) {}
  void add(int64_t items) { meter_.add(items); }
  bool due();
  int64_t done() const { return meter_.items(); }
  int64_t total() const { return total_; }
  double rate() const { return meter_.rate(); }
  double eta_s() const { return double(total_ - done()) / std::max(rate(), 1e-9); }

 private:
  RateMeter meter_;
  int64_t total_;
  double log_every_s_;
  double last_log_s_ = 0;
  bool finished_ = false;
};

}  // namespace facenet
