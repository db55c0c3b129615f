#pragma once
// `facenet bench-serve`: a bounded load generator on loopback. For batching off (max_batch 1)
// and on, it starts a server in this process (a temporary database, an ephemeral port), then
// for each client count sends POST /v1/embeddings of one face photo from that many concurrent
// connections until `requests` are answered or `seconds` pass, and reports images/s and the
// p50/p99 latency. Torch-free.
#include <cstdint>
#include <string>
#include <vector>

#include "facenet/serve/serve_config.h"

namespace facenet::serve {

struct BenchServeOptions {
  ServeConfig server;               ///< model, detection, threads; port/db are set by the bench
  std::vector<int> clients{1, 4, 16};
  int64_t batch_on = 16;            ///< max_batch of the "on" runs
  double wait_ms = 5;               ///< max_wait_ms of the "on" runs
  int64_t requests = 400;           ///< per run (at most)
  double seconds = 20;              ///< per run (at most)
  std::string image;                ///< a photo to send ("" = a synthetic face at 160 px)
  int64_t search_faces = 100'000;   ///< the exact-search figure: faces in one index (0 = skip)
  std::vector<int64_t> search_dims{128, 512};
};

/// One exact search figure: `faces` random unit embeddings of `dim` values in a FaceIndex
/// (1,000 persons), probes timed one by one.
struct SearchFigure {
  int64_t faces = 0, dim = 0, probes = 0;
  double p50_ms = 0, p99_ms = 0, mean_ms = 0;
  double cpu_ms = 0;  ///< mean CPU time of a probe, all its threads (the scan is split over the cores)
};
SearchFigure bench_search(int64_t faces, int64_t dim, int64_t probes = 200);

struct BenchServeRow {
  bool batching = false;
  int clients = 0;
  int64_t requests = 0, failures = 0;
  double seconds = 0, images_per_s = 0, p50_ms = 0, p99_ms = 0, mean_batch = 0;
};

/// Runs every (batching, clients) pair; logs each row as it finishes.
std::vector<BenchServeRow> run_bench_serve(const BenchServeOptions& options);

/// The rows as a Markdown table, with the gain of batching at each client count.
std::string bench_serve_table(const std::vector<BenchServeRow>& rows);

}  // namespace facenet::serve
