#pragma once
// Inception-ResNet-v1 as in the FaceNet paper / davidsandberg and timesler's
// PyTorch port (facenet_pytorch.InceptionResnetV1): 3x160x160 -> 1792x3x3,
// 22,564,096 parameters. Every submodule carries the port's name, so
// named_parameters()/named_buffers() of this trunk equal the port's state_dict
// keys (without last_linear/last_bn/logits), e.g. `repeat_1.0.branch1.1.conv.weight`.
#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/pooling.h>

#include "facenet/models/backbone.h"

namespace facenet::models {

/// Conv (no bias) + BatchNorm2d(eps 1e-3) + ReLU; keys `conv.weight`, `bn.*`.
class BasicConv2dImpl : public torch::nn::Module {
 public:
  BasicConv2dImpl(int64_t in, int64_t out, torch::ExpandingArray<2> kernel, int64_t stride,
                  torch::ExpandingArray<2> padding, double bn_momentum);
  torch::Tensor forward(torch::Tensor x);

  torch::nn::Conv2d conv{nullptr};
  torch::nn::BatchNorm2d bn{nullptr};
  torch::nn::ReLU relu{nullptr};
};
TORCH_MODULE(BasicConv2d);

/// 35x35 residual block (17x17 at 160 px): 256 channels, three branches, 1x1 up-projection with bias.
class Block35Impl : public torch::nn::Module {
 public:
  Block35Impl(double scale, double bn_momentum);
  torch::Tensor forward(torch::Tensor x);

  double scale;
  BasicConv2d branch0{nullptr};
  torch::nn::Sequential branch1{nullptr}, branch2{nullptr};
  torch::nn::Conv2d conv2d{nullptr};
};
TORCH_MODULE(Block35);

/// 17x17 residual block (8x8 at 160 px): 896 channels, 1x7/7x1 factorised branch.
class Block17Impl : public torch::nn::Module {
 public:
  Block17Impl(double scale, double bn_momentum);
  torch::Tensor forward(torch::Tensor x);

  double scale;
  BasicConv2d branch0{nullptr};
  torch::nn::Sequential branch1{nullptr};
  torch::nn::Conv2d conv2d{nullptr};
};
TORCH_MODULE(Block17);

/// 8x8 residual block (3x3 at 160 px): 1792 channels; `relu=false` for the final block.
class Block8Impl : public torch::nn::Module {
 public:
  Block8Impl(double scale, bool relu, double bn_momentum);
  torch::Tensor forward(torch::Tensor x);

  double scale;
  bool apply_relu;
  BasicConv2d branch0{nullptr};
  torch::nn::Sequential branch1{nullptr};
  torch::nn::Conv2d conv2d{nullptr};
};
TORCH_MODULE(Block8);

/// Reduction 256 -> 896 channels, stride 2.
class Mixed6aImpl : public torch::nn::Module {
 public:
  explicit Mixed6aImpl(double bn_momentum);
  torch::Tensor forward(torch::Tensor x);

  BasicConv2d branch0{nullptr};
  torch::nn::Sequential branch1{nullptr};
  torch::nn::MaxPool2d branch2{nullptr};
};
TORCH_MODULE(Mixed6a);

/// Reduction 896 -> 1792 channels, stride 2.
class Mixed7aImpl : public torch::nn::Module {
 public:
  explicit Mixed7aImpl(double bn_momentum);
  torch::Tensor forward(torch::Tensor x);

  torch::nn::Sequential branch0{nullptr}, branch1{nullptr}, branch2{nullptr};
  torch::nn::MaxPool2d branch3{nullptr};
};
TORCH_MODULE(Mixed7a);

class InceptionResnetV1Impl : public BackboneImpl {
 public:
  /// `bn_momentum` uses the PyTorch convention (the port uses 0.1); BN eps is 1e-3.
  explicit InceptionResnetV1Impl(double bn_momentum = 0.1);

  torch::Tensor forward(torch::Tensor x) override;
  int64_t out_channels() const override { return 1792; }
  std::vector<Stage> stages() override;

  BasicConv2d conv2d_1a{nullptr}, conv2d_2a{nullptr}, conv2d_2b{nullptr};
  torch::nn::MaxPool2d maxpool_3a{nullptr};
  BasicConv2d conv2d_3b{nullptr}, conv2d_4a{nullptr}, conv2d_4b{nullptr};
  torch::nn::Sequential repeat_1{nullptr};  ///< 5 x Block35, scale 0.17
  Mixed6a mixed_6a{nullptr};
  torch::nn::Sequential repeat_2{nullptr};  ///< 10 x Block17, scale 0.10
  Mixed7a mixed_7a{nullptr};
  torch::nn::Sequential repeat_3{nullptr};  ///< 5 x Block8, scale 0.20
  Block8 block8{nullptr};                   ///< scale 1.0, no ReLU
};
TORCH_MODULE(InceptionResnetV1);

}  // namespace facenet::models
