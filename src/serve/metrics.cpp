#include "facenet/serve/metrics.h"

#include <fmt/format.h>

namespace facenet::serve {

namespace {
const std::vector<double> kLatencyBounds = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
const std::vector<double> kBatchBounds = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024};

std::string label(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

std::string number(double v) { return fmt::format("{}", v); }
}  // namespace

void Metrics::Histogram::observe(double v) {
  if (counts.empty()) counts.assign(bounds.size() + 1, 0);
  size_t i = 0;
  while (i < bounds.size() && v > bounds[i]) ++i;
  ++counts[i];
  sum += v;
  ++count;
}

Metrics::Metrics() { batch_sizes_.bounds = kBatchBounds; }

void Metrics::request(const std::string& route, int status, double seconds) {
  std::lock_guard lock(mutex_);
  ++requests_[{route, status}];
  auto& h = latency_[route];
  if (h.bounds.empty()) h.bounds = kLatencyBounds;
  h.observe(seconds);
}

void Metrics::batch(int64_t faces) {
  std::lock_guard lock(mutex_);
  batch_sizes_.observe(static_cast<double>(faces));
  faces_ += faces;
}

int64_t Metrics::batches() const {
  std::lock_guard lock(mutex_);
  return batch_sizes_.count;
}

int64_t Metrics::faces_embedded() const {
  std::lock_guard lock(mutex_);
  return faces_;
}

std::string Metrics::prometheus() const {
  std::lock_guard lock(mutex_);
  std::string out;
  auto histogram = [&](const std::string& name, const std::string& labels, const Histogram& h) {
    int64_t cumulative = 0;
    const std::string sep = labels.empty() ? "" : ",";
    for (size_t i = 0; i < h.bounds.size(); ++i) {
      cumulative += h.counts.empty() ? 0 : h.counts[i];
      out += fmt::format("{}_bucket{{{}{}le=\"{}\"}} {}\n", name, labels, sep, number(h.bounds[i]), cumulative);
    }
    out += fmt::format("{}_bucket{{{}{}le=\"+Inf\"}} {}\n", name, labels, sep, h.count);
    const std::string braces = labels.empty() ? "" : "{" + labels + "}";
    out += fmt::format("{}_sum{} {}\n{}_count{} {}\n", name, braces, number(h.sum), name, braces, h.count);
  };
  out += "# HELP facenet_http_requests_total Requests answered, by route and status.\n";
  out += "# TYPE facenet_http_requests_total counter\n";
  for (const auto& [key, n] : requests_)
    out += fmt::format("facenet_http_requests_total{{route=\"{}\",status=\"{}\"}} {}\n", label(key.first), key.second, n);
  out += "# HELP facenet_http_request_seconds Time from the request read to the reply, by route.\n";
  out += "# TYPE facenet_http_request_seconds histogram\n";
  for (const auto& [route, h] : latency_) histogram("facenet_http_request_seconds", "route=\"" + label(route) + "\"", h);
  out += "# HELP facenet_batch_faces Faces per forward pass of the network.\n";
  out += "# TYPE facenet_batch_faces histogram\n";
  histogram("facenet_batch_faces", "", batch_sizes_);
  out += "# HELP facenet_faces_embedded_total Faces embedded.\n# TYPE facenet_faces_embedded_total counter\n";
  out += fmt::format("facenet_faces_embedded_total {}\n", faces_);
  out += "# HELP facenet_queue_depth Faces waiting for the network.\n# TYPE facenet_queue_depth gauge\n";
  out += fmt::format("facenet_queue_depth {}\n", queue_depth_.load());
  out += "# HELP facenet_requests_in_flight Requests being handled.\n# TYPE facenet_requests_in_flight gauge\n";
  out += fmt::format("facenet_requests_in_flight {}\n", in_flight_.load());
  out += "# HELP facenet_gallery_faces Faces in the in-memory indexes.\n# TYPE facenet_gallery_faces gauge\n";
  out += fmt::format("facenet_gallery_faces {}\n", gallery_faces_.load());
  return out;
}

}  // namespace facenet::serve
