#include "facenet/serve/bench_serve.h"

#include <fmt/format.h>
#include <httplib.h>
#include <spdlog/spdlog.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <random>
#include <thread>

#include <opencv2/imgcodecs.hpp>

#include "facenet/core/error.h"
#include "facenet/core/fs.h"
#include "facenet/data/synth.h"
#include "facenet/serve/face_index.h"
#include "facenet/serve/metrics.h"
#include "facenet/serve/server.h"

namespace facenet::serve {

namespace {
using Clock = std::chrono::steady_clock;

std::string photo_bytes(const std::string& path) {
  if (!path.empty()) return read_file(path);
  cv::Mat face;
  data::render_synth_face(11, 0, 1, 0, 160, face);
  std::vector<uchar> out;
  cv::imencode(".png", face, out);
  return std::string(out.begin(), out.end());
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const auto i = static_cast<size_t>(std::min<double>(v.size() - 1, std::ceil(p * v.size()) - 1));
  return v[i];
}

BenchServeRow run_one(const BenchServeOptions& o, bool batching, int clients, const std::string& photo,
                      const std::string& db) {
  ServeConfig config = o.server;
  config.host = "127.0.0.1";
  config.port = 0;
  config.db = db;
  config.api_key.clear();
  config.max_batch = batching ? o.batch_on : 1;
  config.max_wait_ms = batching ? o.wait_ms : 0;
  config.max_connections = std::max<int64_t>(config.max_connections, clients + 4);
  validate_serve_config(config);
  Server server(config);
  const int port = server.start();
  // One warm-up request (the first forward pass allocates and compiles).
  {
    httplib::Client c("127.0.0.1", port);
    c.Post("/v1/embeddings", photo, "application/octet-stream");
  }
  const int64_t batches_before = server.metrics().batches(), faces_before = server.metrics().faces_embedded();
  std::atomic<int64_t> issued{0};
  std::mutex mutex;
  std::vector<double> latencies;
  int64_t failures = 0;
  const auto start = Clock::now();
  const auto deadline = start + std::chrono::duration<double>(o.seconds);
  std::vector<std::thread> threads;
  for (int t = 0; t < clients; ++t)
    threads.emplace_back([&] {
      httplib::Client c("127.0.0.1", port);
      c.set_keep_alive(true);
      c.set_tcp_nodelay(true);
      c.set_read_timeout(60, 0);
      std::vector<double> mine;
      int64_t bad = 0;
      while (Clock::now() < deadline && issued.fetch_add(1) < o.requests) {
        const auto t0 = Clock::now();
        auto r = c.Post("/v1/embeddings", photo, "application/octet-stream");
        const double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
        if (r && r->status == 200)
          mine.push_back(ms);
        else
          ++bad;
      }
      std::lock_guard lock(mutex);
      latencies.insert(latencies.end(), mine.begin(), mine.end());
      failures += bad;
    });
  for (auto& t : threads) t.join();
  const double secs = std::chrono::duration<double>(Clock::now() - start).count();
  BenchServeRow row;
  row.batching = batching;
  row.clients = clients;
  row.requests = static_cast<int64_t>(latencies.size());
  row.failures = failures;
  row.seconds = secs;
  row.images_per_s = secs > 0 ? row.requests / secs : 0;
  row.p50_ms = percentile(latencies, 0.5);
  row.p99_ms = percentile(latencies, 0.99);
  const auto batches = server.metrics().batches() - batches_before;
  row.mean_batch = batches > 0 ? static_cast<double>(server.metrics().faces_embedded() - faces_before) / batches : 0;
  server.stop();
  return row;
}
}  // namespace

std::vector<BenchServeRow> run_bench_serve(const BenchServeOptions& o) {
  if (o.clients.empty()) throw ConfigError("bench-serve: --clients lists no client count");
  for (int c : o.clients)
    if (c < 1 || c > 256) throw ConfigError(fmt::format("bench-serve: --clients {} must be in [1, 256]", c));
  if (o.requests < 1) throw ConfigError("bench-serve: --requests must be >= 1");
  if (o.seconds <= 0) throw ConfigError("bench-serve: --seconds must be > 0");
  if (o.batch_on < 2) throw ConfigError("bench-serve: --max-batch must be >= 2 (the batching-on runs)");
  const auto photo = photo_bytes(o.image);
  const auto dir = std::filesystem::temp_directory_path() / fmt::format("facenet_bench_serve_{}", ::getpid());
  std::filesystem::create_directories(dir);
  std::vector<BenchServeRow> rows;
  int run = 0;
  for (bool batching : {false, true})
    for (int clients : o.clients) {
      auto row = run_one(o, batching, clients, photo, (dir / fmt::format("run{}.sqlite", run++)).string());
      spdlog::info("[bench-serve] batching {} ({}), {:>2} clients: {} requests in {:.1f} s, {:.1f} images/s, "
                   "p50 {:.1f} ms, p99 {:.1f} ms, mean batch {:.1f}{}",
                   batching ? "on" : "off", batching ? fmt::format("max {}, {} ms", o.batch_on, o.wait_ms) : "max 1",
                   clients, row.requests, row.seconds, row.images_per_s, row.p50_ms, row.p99_ms, row.mean_batch,
                   row.failures ? fmt::format(", {} FAILED", row.failures) : "");
      rows.push_back(row);
    }
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return rows;
}

SearchFigure bench_search(int64_t faces, int64_t dim, int64_t probes) {
  std::mt19937 rng(29);
  std::normal_distribution<float> normal;
  FaceIndex index(dim);
  std::vector<float> v(static_cast<size_t>(dim));
  for (int64_t f = 0; f < faces; ++f) {
    for (auto& x : v) x = normal(rng);
    index.add(f + 1, f % 1000, v);
  }
  std::vector<double> ms;
  double total = 0;
  auto cpu_now = [] {
    timespec t{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);  // the scan's helper threads too
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
  };
  const double cpu_start = cpu_now();
  for (int64_t p = 0; p < probes; ++p) {
    for (auto& x : v) x = normal(rng);
    const auto t0 = Clock::now();
    const auto hits = index.search(v, 5);
    const double t = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    if (hits.empty()) throw Error("bench-serve: the search found nothing");
    ms.push_back(t);
    total += t;
  }
  SearchFigure s;
  s.faces = faces;
  s.dim = dim;
  s.probes = probes;
  s.p50_ms = percentile(ms, 0.5);
  s.p99_ms = percentile(ms, 0.99);
  s.mean_ms = probes > 0 ? total / probes : 0;
  s.cpu_ms = probes > 0 ? (cpu_now() - cpu_start) / probes : 0;
  return s;
}

std::string bench_serve_table(const std::vector<BenchServeRow>& rows) {
  std::string out =
      "| clients | batching | images/s | p50 ms | p99 ms | mean batch | gain |\n|---:|---|---:|---:|---:|---:|---:|\n";
  for (const auto& r : rows) {
    std::string gain = "";
    if (r.batching)
      for (const auto& off : rows)
        if (!off.batching && off.clients == r.clients && off.images_per_s > 0)
          gain = fmt::format("{:.2f}x", r.images_per_s / off.images_per_s);
    out += fmt::format("| {} | {} | {:.1f} | {:.1f} | {:.1f} | {:.1f} | {} |\n", r.clients, r.batching ? "on" : "off",
                       r.images_per_s, r.p50_ms, r.p99_ms, r.mean_batch, gain);
  }
  return out;
}

}  // namespace facenet::serve
