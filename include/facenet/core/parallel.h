#pragma once
// A small parallel-for for independent items (decoding, cropping, writing files): plain threads,
// so it adds nothing to LibTorch's intra-op pool.
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "facenet/core/cores.h"

namespace facenet {

/// Runs fn(i) for i in [0, n) on `threads` threads (0 = all cores; the caller's thread is one of
/// them); rethrows the first exception once every thread has stopped.
inline void parallel_for(int64_t n, int64_t threads, const std::function<void(int64_t)>& fn) {
  const int t = static_cast<int>(std::min<int64_t>(resolve_cores(threads), std::max<int64_t>(n, 1)));
  std::atomic<int64_t> next{0};
  std::exception_ptr error;
  std::mutex error_mutex;
  auto work = [&] {
    for (int64_t i; (i = next.fetch_add(1)) < n;) {
      try {
        fn(i);
      } catch (...) {
        std::lock_guard<std::mutex> lock(error_mutex);
        if (!error) error = std::current_exception();
        next = n;
      }
    }
  };
  std::vector<std::thread> pool;
  for (int i = 1; i < t; ++i) pool.emplace_back(work);
  work();
  for (auto& th : pool) th.join();
  if (error) std::rethrow_exception(error);
}

}  // namespace facenet
