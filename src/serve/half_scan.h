#pragma once
// Dot products for the exact index's first pass. Each stored float is split into its upper and
// lower 16 bits; the upper halves alone are a bfloat16 (truncated) copy of the matrix, half the
// bytes of fp32, and the scan of a large index is bound by reading them. The lower halves are
// read back only for the few rows the bound below cannot rule out (face_index.cpp).
#include <cstdint>

namespace facenet::serve {

/// out[r] = sum_j widen(hi[r*dim + j]) * q[j] for r in [0, rows), where widen(h) is the float
/// whose bits are h << 16. AVX-512 or AVX2 where the CPU has them (checked at run time), else
/// scalar; the float additions' order differs between them, within half_scan_error's bound.
void half_dots(const uint16_t* hi, int64_t rows, int64_t dim, const float* q, float* out);

/// The most a half_dots value can differ from the exact float dot product of unit vectors of
/// `dim` values: truncation leaves each |a_j - widen(hi_j)| < 2^-7 |a_j|, so by Cauchy-Schwarz
/// the products' sum moves by less than 2^-7 |q||a|; each of the two float sums (the scan's and
/// the exact one) adds at most dim * 2^-24 * sum|q_j a_j| of rounding. Doubled for safety.
double half_scan_error(int64_t dim);

}  // namespace facenet::serve
