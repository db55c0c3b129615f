#pragma once
// Floating-point rates the CPU's cores actually reach, measured with independent register
// chains (no datasheet frequency or instruction table guessed): fp32 fused multiply-add and
// AVX512-BF16's dot product. `facenet bench` reports them; `auto` precision asks whether bf16
// outruns fp32 here.
#include <cstdint>
#include <string>

namespace facenet {

/// One chain kernel: `run(n)` executes n iterations of `flops_per_iteration` FLOPs and returns
/// a value that depends on all of them (so they cannot be optimised away).
struct ChainKernel {
  std::string name;
  double flops_per_iteration = 0;
  float (*run)(int64_t iterations) = nullptr;
};

/// fp32 FMA in the widest registers the CPU has (AVX-512, else AVX2); throws with neither.
ChainKernel fp32_fma_kernel();
/// vdpbf16ps (32 bf16 products summed into 16 fp32 lanes); throws without AVX512-BF16.
ChainKernel bf16_dot_kernel();

/// GFLOP/s of `kernel` on the calling thread, run for about `seconds`.
double chain_gflops(const ChainKernel& kernel, double seconds);

/// bf16 dot-product FLOPs over fp32 FMA FLOPs per second on one core (best of three
/// alternating 5 ms runs each, ~30 ms); 0 without AVX512-BF16. About 2 on AMD Zen 4/5, whose
/// bf16 dot products run at twice the fp32 rate; about 0.5 measured on an Intel Xeon without
/// AMX, where bf16 networks run slower than fp32 ones.
double measure_bf16_dot_speedup();

}  // namespace facenet
