#include "half_scan.h"

#include <immintrin.h>

#include <cstring>

namespace facenet::serve {

namespace {
inline float widen(uint16_t h) {
  const uint32_t bits = static_cast<uint32_t>(h) << 16;
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

void half_dots_scalar(const uint16_t* hi, int64_t rows, int64_t dim, const float* q, float* out) {
  for (int64_t r = 0; r < rows; ++r) {
    const uint16_t* a = hi + r * dim;
    float s = 0;
    for (int64_t j = 0; j < dim; ++j) s += widen(a[j]) * q[j];
    out[r] = s;
  }
}

__attribute__((target("avx2,fma"))) void half_dots_avx2(const uint16_t* hi, int64_t rows, int64_t dim,
                                                         const float* q, float* out) {
  const int64_t whole = dim / 16 * 16;
  for (int64_t r = 0; r < rows; ++r) {
    const uint16_t* a = hi + r * dim;
    __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
    for (int64_t j = 0; j < whole; j += 16) {
      const __m256i h = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a + j));
      const __m256 x0 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(_mm256_castsi256_si128(h)), 16));
      const __m256 x1 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(_mm256_extracti128_si256(h, 1)), 16));
      acc0 = _mm256_fmadd_ps(x0, _mm256_loadu_ps(q + j), acc0);
      acc1 = _mm256_fmadd_ps(x1, _mm256_loadu_ps(q + j + 8), acc1);
    }
    alignas(32) float lanes[8];
    _mm256_store_ps(lanes, _mm256_add_ps(acc0, acc1));
    float s = 0;
    for (float v : lanes) s += v;
    for (int64_t j = whole; j < dim; ++j) s += widen(a[j]) * q[j];
    out[r] = s;
  }
}

__attribute__((target("avx512f"))) void half_dots_avx512(const uint16_t* hi, int64_t rows, int64_t dim,
                                                          const float* q, float* out) {
  const int64_t whole = dim / 32 * 32;
  for (int64_t r = 0; r < rows; ++r) {
    const uint16_t* a = hi + r * dim;
    __m512 acc0 = _mm512_setzero_ps(), acc1 = _mm512_setzero_ps();
    for (int64_t j = 0; j < whole; j += 32) {
      const __m512 x0 = _mm512_castsi512_ps(
          _mm512_slli_epi32(_mm512_cvtepu16_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(a + j))), 16));
      const __m512 x1 = _mm512_castsi512_ps(_mm512_slli_epi32(
          _mm512_cvtepu16_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(a + j + 16))), 16));
      acc0 = _mm512_fmadd_ps(x0, _mm512_loadu_ps(q + j), acc0);
      acc1 = _mm512_fmadd_ps(x1, _mm512_loadu_ps(q + j + 16), acc1);
    }
    float s = _mm512_reduce_add_ps(_mm512_add_ps(acc0, acc1));
    for (int64_t j = whole; j < dim; ++j) s += widen(a[j]) * q[j];
    out[r] = s;
  }
}

using Kernel = void (*)(const uint16_t*, int64_t, int64_t, const float*, float*);

Kernel pick_kernel() {
  // __builtin_cpu_supports also checks that the OS saves the wider registers.
  if (__builtin_cpu_supports("avx512f")) return half_dots_avx512;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return half_dots_avx2;
  return half_dots_scalar;
}
}  // namespace

void half_dots(const uint16_t* hi, int64_t rows, int64_t dim, const float* q, float* out) {
  static const Kernel kernel = pick_kernel();
  kernel(hi, rows, dim, q, out);
}

double half_scan_error(int64_t dim) {
  const double truncation = 1.0 / 128, rounding = 2.0 * static_cast<double>(dim) / (1 << 24);
  return 2 * (truncation + rounding) + 1e-6;
}

}  // namespace facenet::serve
