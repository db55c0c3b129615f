#pragma once
// Both trunks' BatchNorm layers under CPU mixed precision.
#include <torch/types.h>

namespace facenet::models {

/// The input a BatchNorm layer should see in `training`: fp32 when autocast hands it a
/// bf16/fp16 CPU tensor. LibTorch 1.13's reduced-precision channels-last BatchNorm backward is
/// its slow CPU kernel (MobileNet training 17 -> 42 img/s here once BN runs in fp32), and batch
/// statistics belong in fp32 as PyTorch's AMP recipe keeps them. The next convolution casts back
/// under autocast. In inference BN is one affine map and stays in the input's precision (the
/// casts would cost Inception-ResNet-v1's eager bf16 inference half its speed). CUDA tensors pass
/// through: cuDNN's BatchNorm takes reduced-precision input with fp32 statistics.
inline torch::Tensor batch_norm_input(const torch::Tensor& x, bool training) {
  const auto t = x.scalar_type();
  return training && x.is_cpu() && (t == torch::kBFloat16 || t == torch::kHalf) ? x.to(torch::kFloat) : x;
}

}  // namespace facenet::models
