#pragma once
// MobileNet-v1 (width 1.0, ReLU6) as in the seed's PyTorch code (bubbliiiing
// nets/mobilenet.py): 3x160x160 -> 1024x5x5, 3,206,976 parameters.
//
// Submodule names follow that code so an exporter can prefix `backbone.model.`:
//   stage1.0 = conv_bn: 0 conv3x3/s2, 1 bn, 2 relu6
//   stage{1,2,3}.<i> (dw blocks): 0 depthwise conv, 1 bn, 2 relu6, 3 pointwise conv, 4 bn, 5 relu6
#include <torch/nn/modules/container/sequential.h>

#include "facenet/models/backbone.h"

namespace facenet::models {

class MobileNetV1Impl : public BackboneImpl {
 public:
  /// `bn_momentum` uses the PyTorch convention; BN eps is 1e-5 as in the seed's trunk.
  explicit MobileNetV1Impl(double bn_momentum = 0.1);

  torch::Tensor forward(torch::Tensor x) override;
  int64_t out_channels() const override { return 1024; }
  std::vector<Stage> stages() override;

  torch::nn::Sequential stage1{nullptr};  ///< conv_bn + 5 dw blocks -> 256 channels, stride 8
  torch::nn::Sequential stage2{nullptr};  ///< 6 dw blocks -> 512 channels, stride 16
  torch::nn::Sequential stage3{nullptr};  ///< 2 dw blocks -> 1024 channels, stride 32
};
TORCH_MODULE(MobileNetV1);

}  // namespace facenet::models
