#pragma once
// The figures `GET /metrics` answers in Prometheus' text format (version 0.0.4): requests by
// route and status, request latency and batch-size histograms, the queue depth and the faces
// embedded. Thread-safe. Torch-free.
#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace facenet::serve {

class Metrics {
 public:
  Metrics();
  /// One answered request: its route pattern ("/v1/detect", "unmatched"), status and seconds.
  void request(const std::string& route, int status, double seconds);
  /// One forward pass of `faces` faces.
  void batch(int64_t faces);
  void queue_depth(int64_t depth) { queue_depth_.store(depth); }
  void in_flight(int delta) { in_flight_ += delta; }
  void gallery_faces(int64_t faces) { gallery_faces_.store(faces); }

  std::string prometheus() const;

  /// Forward passes and faces so far (tests, bench-serve).
  int64_t batches() const;
  int64_t faces_embedded() const;

 private:
  struct Histogram {
    std::vector<double> bounds;
    std::vector<int64_t> counts;  ///< per bound, then +Inf
    double sum = 0;
    int64_t count = 0;
    void observe(double v);
  };
  mutable std::mutex mutex_;
  std::map<std::pair<std::string, int>, int64_t> requests_;
  std::map<std::string, Histogram> latency_;  ///< per route
  Histogram batch_sizes_;
  int64_t faces_ = 0;
  std::atomic<int64_t> queue_depth_{0};
  std::atomic<int64_t> in_flight_{0};
  std::atomic<int64_t> gallery_faces_{0};
};

}  // namespace facenet::serve
