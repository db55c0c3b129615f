// The CPU's floating-point peak, measured: every core runs independent fused multiply-add
// chains in the widest vector registers it has, so inference rates can be put as a share of
// what the cores can actually do at the clock they run at (no datasheet frequency guessed).
#include <fmt/format.h>
#include <immintrin.h>

#include <algorithm>
#include <chrono>
#include <thread>
#include <vector>

#include "cases.h"
#include "facenet/core/cores.h"

namespace facenet::bench {
namespace {

using Clock = std::chrono::steady_clock;

// Independent chains enough to cover FMA latency (4 cycles) on two FMA pipes: 16 zmm
// accumulators; with AVX2's 16 ymm registers, 12 plus the two constants.
constexpr int kChains = 16;
constexpr int kChainsAvx2 = 12;

__attribute__((target("avx512f"))) float fma_chains_avx512(int64_t iterations) {
  __m512 acc[kChains];
  for (int k = 0; k < kChains; ++k) acc[k] = _mm512_set1_ps(float(k));
  const __m512 m = _mm512_set1_ps(0.999999f), a = _mm512_set1_ps(1e-7f);
  for (int64_t i = 0; i < iterations; ++i)
    for (int k = 0; k < kChains; ++k) acc[k] = _mm512_fmadd_ps(acc[k], m, a);
  alignas(64) float lanes[16];  // (GCC 12's _mm512_reduce_add_ps trips -Wuninitialized)
  float sum = 0;
  for (int k = 0; k < kChains; ++k) {
    _mm512_store_ps(lanes, acc[k]);
    for (float v : lanes) sum += v;
  }
  return sum;
}

__attribute__((target("avx2,fma"))) float fma_chains_avx2(int64_t iterations) {
  __m256 acc[kChainsAvx2];
  for (int k = 0; k < kChainsAvx2; ++k) acc[k] = _mm256_set1_ps(float(k));
  const __m256 m = _mm256_set1_ps(0.999999f), a = _mm256_set1_ps(1e-7f);
  for (int64_t i = 0; i < iterations; ++i)
    for (int k = 0; k < kChainsAvx2; ++k) acc[k] = _mm256_fmadd_ps(acc[k], m, a);
  alignas(32) float lanes[8];
  float sum = 0;
  for (int k = 0; k < kChainsAvx2; ++k) {
    _mm256_store_ps(lanes, acc[k]);
    for (float v : lanes) sum += v;
  }
  return sum;
}

}  // namespace

std::string bench_cpu_peak(const BenchOptions& o) {
  const bool avx512 = __builtin_cpu_supports("avx512f");
  if (!avx512 && !(__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")))
    throw std::runtime_error("no AVX2/FMA: peak not measured");
  const double flops_per_iteration = avx512 ? kChains * 16 * 2 : kChainsAvx2 * 8 * 2;  // lanes x (mul + add)
  const int threads = resolve_cores(o.threads);
  constexpr int64_t chunk = 1 << 20;
  std::vector<double> flops(threads, 0);
  std::vector<float> sink(threads, 0);
  const auto start = Clock::now();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&, t] {
      do {
        sink[t] += avx512 ? fma_chains_avx512(chunk) : fma_chains_avx2(chunk);
        flops[t] += chunk * flops_per_iteration;
      } while (std::chrono::duration<double>(Clock::now() - start).count() < o.seconds);
    });
  for (auto& th : pool) th.join();
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  double total = 0;
  volatile float keep = 0;  // the results are used, so the chains cannot be optimised away
  for (int t = 0; t < threads; ++t) total += flops[t], keep = keep + sink[t];
  return fmt::format("{};{} FP32 FMA, {} threads", total / elapsed / 1e9, avx512 ? "AVX-512" : "AVX2", threads);
}

}  // namespace facenet::bench
