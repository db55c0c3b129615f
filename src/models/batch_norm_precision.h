#pragma once
// Both trunks' BatchNorm layers under CPU mixed precision.
#include <torch/types.h>

namespace facenet::models {

/// The input a BatchNorm layer should see: fp32 when autocast hands it a bf16/fp16 CPU tensor.
/// LibTorch 1.13's reduced-precision channels-last BatchNorm is its slow CPU kernel (MobileNet
/// training 17 -> 42 img/s here once BN runs in fp32), and the statistics belong in fp32 as
/// PyTorch's AMP recipe keeps them. The next convolution casts back under autocast. CUDA
/// tensors pass through: cuDNN's BatchNorm takes reduced-precision input with fp32 statistics.
inline torch::Tensor batch_norm_input(const torch::Tensor& x) {
  const auto t = x.scalar_type();
  return x.is_cpu() && (t == torch::kBFloat16 || t == torch::kHalf) ? x.to(torch::kFloat) : x;
}

}  // namespace facenet::models
