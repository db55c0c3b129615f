// The identify case: one probe against a large gallery (see cases.h).
#include <fmt/format.h>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <vector>

#include "cases.h"
#include "facenet/core/cores.h"
#include "facenet/eval/identification.h"

namespace facenet::bench {

std::string bench_identify(const BenchOptions& o) {
  using Clock = std::chrono::steady_clock;
  torch::set_num_threads(resolve_cores(o.threads));
  torch::manual_seed(0);
  const int64_t n = o.identify_rows, dim = o.identify_dim, ids = std::max<int64_t>(1, o.identify_identities);
  const auto g = torch::nn::functional::normalize(torch::randn({n, dim}),
                                                  torch::nn::functional::NormalizeFuncOptions().dim(1)).contiguous();
  std::vector<int32_t> labels(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) labels[static_cast<size_t>(i)] = static_cast<int32_t>(i % ids);
  // Probes: noisy copies of gallery rows, so the nearest identity is known.
  const auto probes = torch::nn::functional::normalize(g.narrow(0, 0, 64) + 0.3 / std::sqrt(static_cast<double>(dim)) * torch::randn({64, dim}),
                                                       torch::nn::functional::NormalizeFuncOptions().dim(1)).contiguous();
  std::vector<double> ms;
  int64_t correct = 0;
  const auto start = Clock::now();
  for (int64_t call = 0;; ++call) {
    const int64_t p = call % 64;
    const auto t0 = Clock::now();
    const auto d = eval::identity_distances(probes[p].data_ptr<float>(), 1, g.data_ptr<float>(), labels.data(), n, dim, ids);
    const auto top = eval::nearest(d, 0, 5);
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    correct += top[0].first == p % ids;
    if (std::chrono::duration<double>(Clock::now() - start).count() >= o.seconds && call >= 10) break;
  }
  std::sort(ms.begin(), ms.end());
  const auto pct = [&](double q) { return ms[std::min(ms.size() - 1, static_cast<size_t>(q * ms.size()))]; };
  return fmt::format("{};median of {} probes, p99 {:.2f} ms; {} rows x {}-d, {} identities, {} threads; rank-1 {}/{}",
                     pct(0.5), ms.size(), pct(0.99), n, dim, ids, resolve_cores(o.threads), correct, ms.size());
}

}  // namespace facenet::bench
