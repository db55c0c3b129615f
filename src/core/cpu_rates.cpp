#include "facenet/core/cpu_rates.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include <algorithm>
#include <chrono>
#include <stdexcept>

#include "facenet/core/precision.h"

namespace facenet {
namespace {

using Clock = std::chrono::steady_clock;

// Independent chains enough to cover the instructions' latency (4-6 cycles) on two pipes:
// 16 zmm accumulators; with AVX2's 16 ymm registers, 12 plus the two constants.
constexpr int kChains = 16;
constexpr int kChainsAvx2 = 12;

#if defined(__x86_64__)
// Sums every lane of the accumulators. Stores happen inside each kernel: passing vectors to a
// function compiled for another target would change how they are passed (the ABI).
float sum_floats(const float* lanes, int n) {
  float sum = 0;
  for (int i = 0; i < n; ++i) sum += lanes[i];
  return sum;
}

__attribute__((target("avx512f"))) float fma_chains_avx512(int64_t iterations) {
  __m512 acc[kChains];
  for (int k = 0; k < kChains; ++k) acc[k] = _mm512_set1_ps(float(k));
  const __m512 m = _mm512_set1_ps(0.999999f), a = _mm512_set1_ps(1e-7f);
  for (int64_t i = 0; i < iterations; ++i)
    for (int k = 0; k < kChains; ++k) acc[k] = _mm512_fmadd_ps(acc[k], m, a);
  alignas(64) float lanes[kChains * 16];
  for (int k = 0; k < kChains; ++k) _mm512_store_ps(lanes + 16 * k, acc[k]);
  return sum_floats(lanes, kChains * 16);
}

__attribute__((target("avx2,fma"))) float fma_chains_avx2(int64_t iterations) {
  __m256 acc[kChainsAvx2];
  for (int k = 0; k < kChainsAvx2; ++k) acc[k] = _mm256_set1_ps(float(k));
  const __m256 m = _mm256_set1_ps(0.999999f), a = _mm256_set1_ps(1e-7f);
  for (int64_t i = 0; i < iterations; ++i)
    for (int k = 0; k < kChainsAvx2; ++k) acc[k] = _mm256_fmadd_ps(acc[k], m, a);
  alignas(32) float lanes[kChainsAvx2 * 8];
  for (int k = 0; k < kChainsAvx2; ++k) _mm256_store_ps(lanes + 8 * k, acc[k]);
  return sum_floats(lanes, kChainsAvx2 * 8);
}

__attribute__((target("avx512f,avx512bf16"))) float bf16_dot_chains(int64_t iterations) {
  __m512 acc[kChains];
  for (int k = 0; k < kChains; ++k) acc[k] = _mm512_set1_ps(float(k));
  const auto a = reinterpret_cast<__m512bh>(_mm512_set1_epi16(0x3a83));  // ~1e-3 in bf16
  const auto b = reinterpret_cast<__m512bh>(_mm512_set1_epi16(0x3f80));  // 1
  for (int64_t i = 0; i < iterations; ++i)
    for (int k = 0; k < kChains; ++k) acc[k] = _mm512_dpbf16_ps(acc[k], a, b);
  alignas(64) float lanes[kChains * 16];
  for (int k = 0; k < kChains; ++k) _mm512_store_ps(lanes + 16 * k, acc[k]);
  return sum_floats(lanes, kChains * 16);
}
#endif

}  // namespace

ChainKernel fp32_fma_kernel() {
#if defined(__x86_64__)
  if (cpu_features().avx512f) return {"AVX-512 FP32 FMA", kChains * 16 * 2, fma_chains_avx512};  // lanes x (mul + add)
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
    return {"AVX2 FP32 FMA", kChainsAvx2 * 8 * 2, fma_chains_avx2};
#endif
  throw std::runtime_error("no AVX2/FMA: peak not measured");
}

ChainKernel bf16_dot_kernel() {
  const auto cpu = cpu_features();
  if (!cpu.avx512f || !cpu.avx512_bf16) throw std::runtime_error("the CPU has no AVX512-BF16");
#if defined(__x86_64__)
  return {"AVX512-BF16 dot products", kChains * 32 * 2, bf16_dot_chains};  // bf16 pairs x (mul + add)
#else
  throw std::runtime_error("the CPU has no AVX512-BF16");
#endif
}

double chain_gflops(const ChainKernel& kernel, double seconds) {
  volatile float keep = 0;  // the results are used, so the chains cannot be optimised away
  int64_t iterations = 0, chunk = 1 << 12;
  const auto start = Clock::now();
  double elapsed = 0;
  do {
    keep = keep + kernel.run(chunk);
    iterations += chunk;
    elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    if (elapsed < seconds / 8) chunk *= 2;
  } while (elapsed < seconds);
  return double(iterations) * kernel.flops_per_iteration / elapsed / 1e9;
}

double measure_bf16_dot_speedup() {
  const auto cpu = cpu_features();
  if (!cpu.avx512f || !cpu.avx512_bf16) return 0;
  const auto fma = fp32_fma_kernel(), dot = bf16_dot_kernel();
  double fma_best = 0, dot_best = 0;
  for (int round = 0; round < 3; ++round) {  // alternating, so a load change hits both
    fma_best = std::max(fma_best, chain_gflops(fma, 0.005));
    dot_best = std::max(dot_best, chain_gflops(dot, 0.005));
  }
  return fma_best > 0 ? dot_best / fma_best : 0;
}

}  // namespace facenet
