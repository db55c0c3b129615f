// The CPU's floating-point peak, measured on every core at once (core/cpu_rates.h): fp32 FMA,
// so inference rates can be put as a share of what the cores reach at the clock they run at,
// and AVX512-BF16's dot product, the most bf16 could gain over fp32 here.
#include <fmt/format.h>

#include <thread>
#include <vector>

#include "cases.h"
#include "facenet/core/cores.h"
#include "facenet/core/cpu_rates.h"

namespace facenet::bench {
namespace {

std::string threaded_peak(const BenchOptions& o, const ChainKernel& kernel) {
  const int threads = resolve_cores(o.threads);
  std::vector<double> gflops(threads, 0);
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) pool.emplace_back([&, t] { gflops[t] = chain_gflops(kernel, o.seconds); });
  for (auto& th : pool) th.join();
  double total = 0;
  for (double g : gflops) total += g;
  return fmt::format("{};{}, {} threads", total, kernel.name, threads);
}

}  // namespace

std::string bench_cpu_peak(const BenchOptions& o) { return threaded_peak(o, fp32_fma_kernel()); }

std::string bench_bf16_dot_peak(const BenchOptions& o) { return threaded_peak(o, bf16_dot_kernel()); }

}  // namespace facenet::bench
