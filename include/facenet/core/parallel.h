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

/// Runs fn(worker, i) for i in [0, n) on `workers` threads, worker in [0, workers) naming the
/// thread (for per-thread state such as a detector); rethrows the first exception.
inline void parallel_for_workers(int64_t n, int workers, const std::function<void(int, int64_t)>& fn) {
  std::atomic<int64_t> next{0};
  parallel_for(workers, workers, [&](int64_t worker) {
    for (int64_t i; (i = next.fetch_add(1)) < n;) {
      try {
        fn(static_cast<int>(worker), i);
      } catch (...) {
        next = n;  // the other workers stop too
        throw;
      }
    }
  });
}

}  // namespace facenet
