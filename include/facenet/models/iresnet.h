#pragma once
// insightface's IResNet (recognition/arcface_torch/backbones/iresnet.py), layer for layer and with
// its parameter names, so named_parameters()/named_buffers() of this trunk equal the keys of an
// arcface_torch `backbone.pth`:
//   conv1 bn1 prelu, layer1..layer4 of IBasicBlocks (64/128/256/512 planes, each stage starting
//   at stride 2), then the head bn2 -> flatten -> dropout -> fc (512*7*7 -> D) -> features
//   (BatchNorm1d whose weight is fixed at 1 and never trained). BN eps 1e-5 throughout.
// Input 3x112x112 (fc_scale 7*7); the output is the D-d embedding before L2 normalisation.
#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/dropout.h>
#include <torch/nn/modules/linear.h>

#include <array>

#include "facenet/core/config.h"
#include "facenet/models/backbone.h"
#include "facenet/models/flatten.h"

namespace facenet::models {

/// bn1 -> conv1 3x3 -> bn2 -> prelu -> conv2 3x3 (the stride) -> bn3, plus the identity or
/// `downsample` (1x1 conv + BN) when the shape changes.
class IBasicBlockImpl : public torch::nn::Module {
 public:
  IBasicBlockImpl(int64_t inplanes, int64_t planes, int64_t stride, double bn_momentum);
  torch::Tensor forward(torch::Tensor x);

  torch::nn::BatchNorm2d bn1{nullptr};
  torch::nn::Conv2d conv1{nullptr};
  torch::nn::BatchNorm2d bn2{nullptr};
  torch::nn::PReLU prelu{nullptr};
  torch::nn::Conv2d conv2{nullptr};
  torch::nn::BatchNorm2d bn3{nullptr};
  torch::nn::Sequential downsample{nullptr};  ///< 0 conv1x1, 1 BN; null when the shape is kept
};
TORCH_MODULE(IBasicBlock);

class IResNetImpl : public BackboneImpl {
 public:
  /// `layers`: IBasicBlocks per stage (r50: 3, 4, 14, 3). `dropout`: insightface's default is 0.
  IResNetImpl(std::array<int64_t, 4> layers, int64_t embedding_size, double bn_momentum, double dropout = 0.0);

  torch::Tensor forward(torch::Tensor x) override;
  int64_t out_channels() const override { return embedding_size_; }
  bool embeds() const override { return true; }
  std::vector<std::string> fixed_parameters() const override { return {"features.weight"}; }
  std::vector<Stage> stages() override;

  torch::nn::Conv2d conv1{nullptr};
  torch::nn::BatchNorm2d bn1{nullptr};
  torch::nn::PReLU prelu{nullptr};
  torch::nn::Sequential layer1{nullptr}, layer2{nullptr}, layer3{nullptr}, layer4{nullptr};
  torch::nn::BatchNorm2d bn2{nullptr};
  Flatten flatten{nullptr};
  torch::nn::Dropout dropout{nullptr};
  torch::nn::Linear fc{nullptr};
  torch::nn::BatchNorm1d features{nullptr};

 private:
  int64_t embedding_size_;
};
TORCH_MODULE(IResNet);

/// Blocks per stage of arcface_torch's r18, r34, r50, r100 and r200.
std::array<int64_t, 4> iresnet_layers(Backbone backbone);

}  // namespace facenet::models
