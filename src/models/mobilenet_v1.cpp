#include "facenet/models/mobilenet_v1.h"

#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/conv.h>

#include "lean_layers.h"

namespace facenet::models {
namespace {

namespace nn = torch::nn;
constexpr double kBnEps = 1e-5;  // PyTorch BatchNorm2d default, as in the seed's trunk

// A Sequential with a concrete forward, so it can itself sit inside a Sequential
// (AnyModule rejects the templated SequentialImpl::forward). Children stay "0".."5"; the
// nn::BatchNorm2d and nn::ReLU6 children name the layers (export reads them) and run as
// lean_batch_norm / lean_relu6, which keep less for the backward pass (lean_layers.h).
class BlockImpl : public nn::SequentialImpl {
 public:
  using nn::SequentialImpl::SequentialImpl;
  torch::Tensor forward(torch::Tensor x) {
    for (auto& child : *this) {
      if (auto* bn = child.ptr()->as<nn::BatchNorm2d>())
        x = lean_batch_norm(*bn, x);
      else if (child.ptr()->as<nn::ReLU6>())
        x = lean_relu6(x);
      else
        x = child.forward(x);
    }
    return x;
  }
};
TORCH_MODULE(Block);

nn::BatchNorm2d bn(int64_t channels, double momentum) {
  return nn::BatchNorm2d(nn::BatchNormOptions(channels).eps(kBnEps).momentum(momentum));
}

// conv3x3 + BN + ReLU6 (children 0, 1, 2).
Block conv_bn(int64_t in, int64_t out, int64_t stride, double momentum) {
  return Block(
      nn::Conv2d(nn::Conv2dOptions(in, out, 3).stride(stride).padding(1).bias(false)),
      bn(out, momentum), nn::ReLU6());
}

// Depthwise 3x3 + BN + ReLU6, pointwise 1x1 + BN + ReLU6 (children 0..5).
Block conv_dw(int64_t in, int64_t out, int64_t stride, double momentum) {
  return Block(
      nn::Conv2d(nn::Conv2dOptions(in, in, 3).stride(stride).padding(1).groups(in).bias(false)),
      bn(in, momentum), nn::ReLU6(),
      nn::Conv2d(nn::Conv2dOptions(in, out, 1).bias(false)), bn(out, momentum), nn::ReLU6());
}

}  // namespace

MobileNetV1Impl::MobileNetV1Impl(double bn_momentum) {
  const double m = bn_momentum;
  stage1 = register_module(
      "stage1", nn::Sequential(conv_bn(3, 32, 2, m), conv_dw(32, 64, 1, m), conv_dw(64, 128, 2, m),
                               conv_dw(128, 128, 1, m), conv_dw(128, 256, 2, m), conv_dw(256, 256, 1, m)));
  nn::Sequential s2(conv_dw(256, 512, 2, m));
  for (int i = 0; i < 5; ++i) s2->push_back(conv_dw(512, 512, 1, m));
  stage2 = register_module("stage2", s2);
  stage3 = register_module("stage3", nn::Sequential(conv_dw(512, 1024, 2, m), conv_dw(1024, 1024, 1, m)));
}

torch::Tensor MobileNetV1Impl::forward(torch::Tensor x) {
  return stage3->forward(stage2->forward(stage1->forward(x)));
}

std::vector<Stage> MobileNetV1Impl::stages() {
  std::vector<Stage> out;
  const std::pair<const char*, nn::Sequential*> seqs[] = {{"stage1", &stage1}, {"stage2", &stage2}, {"stage3", &stage3}};
  for (const auto& [name, seq] : seqs) {
    for (size_t i = 0; i < (*seq)->size(); ++i) {
      auto block = (*seq)->ptr<BlockImpl>(i);
      const bool first = std::string(name) == "stage1" && i == 0;
      out.push_back({std::string(name) + "." + std::to_string(i), first ? "ConvBN" : "DepthwiseSeparable", block,
                     [block](const torch::Tensor& x) { return block->forward(x); }});
    }
  }
  return out;
}

}  // namespace facenet::models
