#pragma once
// BatchNorm and (clamped) ReLU as both trunks run them, keeping as little as possible for the
// backward pass, above all under CPU mixed precision (train.amp: bf16).
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

/// max(x, 0) and min(max(x, 0), 6), bit-identical to torch::relu / torch::hardtanh(x, 0, 6) in
/// values and gradients. Their backward reads the output, which the next convolution keeps
/// anyway, instead of hardtanh's input. Under CPU autocast the next convolution keeps its own
/// bf16 copy, so these keep a 1-byte mask of where the gradient is cut instead of 4-byte output.
torch::Tensor lean_relu(const torch::Tensor& x);
torch::Tensor lean_relu6(const torch::Tensor& x);

}  // namespace facenet::models
