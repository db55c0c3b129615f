#include <iostream>
#include <sstream>

#include "commands/common.h"
#include "facenet/serve/bench_serve.h"

namespace facenet::cli {

void register_bench_serve(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "bench-serve", "Load-test facenet serve on loopback: images/s and p50/p99 at 1, 4, 16 clients, batching off and on");
  auto o = std::make_shared<serve::BenchServeOptions>();
  add_model_option(cmd, o->server.model)->required();
  cmd->add_option("--clients", o->clients, "Concurrent clients of each run")->delimiter(',')->capture_default_str();
  cmd->add_option("--requests", o->requests, "Requests per run (at most)")->capture_default_str();
  cmd->add_option("--seconds", o->seconds, "Seconds per run (at most)")->capture_default_str();
  cmd->add_option("--max-batch", o->batch_on, "max_batch of the batching-on runs")->capture_default_str();
  cmd->add_option("--max-wait-ms", o->wait_ms, "max_wait_ms of the batching-on runs")->capture_default_str();
  cmd->add_option("--image", o->image, "Photo each request sends (default: a synthetic face, 160 px)");
  cmd->add_option("--search-faces", o->search_faces, "Faces in the exact-search figure (0 = skip it)")
      ->capture_default_str();
  cmd->add_option("--search-dims", o->search_dims, "Embedding sizes of the search figure")->delimiter(',');
  add_threads_option(cmd, o->server.threads);
  add_dtype_option(cmd, o->server.dtype);
  add_detect_options(cmd, o->server.detect, false);
  cmd->callback([o] {
    use_threads(o->server.threads);
    for (auto dim : o->search_dims) {
      if (o->search_faces <= 0) break;
      const auto s = serve::bench_search(o->search_faces, dim);
      std::cout << "search: " << s.faces << " faces x " << s.dim << "-d, " << s.probes << " probes: p50 " << s.p50_ms
                << " ms, p99 " << s.p99_ms << " ms, mean " << s.mean_ms << " ms per probe (CPU time " << s.cpu_ms << " ms)\n";
    }
    const auto rows = serve::run_bench_serve(*o);
    std::cout << serve::bench_serve_table(rows);
  });
}

}  // namespace facenet::cli
