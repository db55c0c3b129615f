#pragma once
// BatchNorm and ReLU6 as the trunks run them, keeping less for the backward pass than the
// stock layers do (BatchNorm above all under CPU mixed precision, train.amp: bf16).
#include <torch/nn/modules/batchnorm.h>
#include <torch/types.h>

namespace facenet::models {

/// `bn(x)`. In training, on the CPU, with a bf16/fp16 `x` (a convolution's output under
/// autocast) it normalises in fp32 but keeps `x` itself, not an fp32 copy, for its backward.
/// Values, gradients and running statistics are bit-identical to `bn(x.to(kFloat))`.
/// Why fp32: LibTorch 1.13's reduced-precision channels-last BatchNorm backward is its slow CPU
/// kernel (MobileNet training 17 -> 42 img/s here once BN ran in fp32), and batch statistics
/// belong in fp32 as PyTorch's AMP recipe keeps them. In inference BN is one affine map and
/// stays in the input's precision (casts would cost Inception-ResNet-v1's eager bf16 inference
/// half its speed); CUDA tensors pass through (cuDNN's BatchNorm takes reduced-precision input
/// with fp32 statistics).
torch::Tensor lean_batch_norm(torch::nn::BatchNorm2dImpl& bn, const torch::Tensor& x);

/// min(max(x, 0), 6), bit-identical to torch::hardtanh(x, 0, 6) in values and gradients, but
/// its backward reads the output (which the next convolution keeps anyway), not the input.
torch::Tensor lean_relu6(const torch::Tensor& x);

}  // namespace facenet::models
