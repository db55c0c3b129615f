#pragma once
// insightface's MobileFaceNet (recognition/arcface_torch/backbones/mobilefacenet.py, `mbf`:
// blocks (1, 4, 6, 2), scale 2), layer for layer and with its parameter names:
//   layers.0  ConvBlock 3 -> 128, 3x3/s2            ConvBlock  = layers: 0 conv, 1 BN, 2 PReLU
//   layers.1  ConvBlock 128 -> 128, 3x3, groups 64  LinearBlock = layers: 0 conv, 1 BN
//   layers.2  DepthWise 128 -> 128, s2 (128 wide)   DepthWise  = layers: 0 ConvBlock 1x1 expand,
//   layers.3  Residual of 4 DepthWise                              1 ConvBlock depthwise 3x3,
//   layers.4  DepthWise 128 -> 256, s2 (256 wide)                  2 LinearBlock 1x1 project
//   layers.5  Residual of 6                                        (+ input when residual)
//   layers.6  DepthWise 256 -> 256, s2 (512 wide)
//   layers.7  Residual of 2
//   conv_sep  ConvBlock 256 -> 512, 1x1
//   features  GDC: layers 0 LinearBlock 7x7 depthwise, 1 flatten, 2 Linear 512 -> D (no bias),
//             3 BatchNorm1d(D)
// BN eps 1e-5. Input 3x112x112 (the GDC's 7x7 kernel needs the 7x7 map); the output is the
// D-d embedding before L2 normalisation.
#include <torch/nn/modules/container/sequential.h>

#include "facenet/models/backbone.h"

namespace facenet::models {

/// A module whose one child is the Sequential `layers`, run in order: mobilefacenet.py's
/// ConvBlock (conv, BN, PReLU), LinearBlock (conv, BN), Residual (DepthWise blocks) and GDC all
/// have this shape, so their keys are `<name>.layers.<i>...`.
class LayersImpl : public torch::nn::Module {
 public:
  explicit LayersImpl(torch::nn::Sequential layers);
  torch::Tensor forward(torch::Tensor x);
  torch::nn::Sequential layers{nullptr};
};
TORCH_MODULE(Layers);

/// 1x1 expand to `width` -> depthwise 3x3 (the stride) -> 1x1 linear projection, plus the input
/// when `residual`.
class DepthWiseImpl : public torch::nn::Module {
 public:
  DepthWiseImpl(int64_t in, int64_t out, bool residual, int64_t stride, int64_t width, double bn_momentum);
  torch::Tensor forward(torch::Tensor x);
  bool residual;
  torch::nn::Sequential layers{nullptr};
};
TORCH_MODULE(DepthWise);

class MobileFaceNetImpl : public BackboneImpl {
 public:
  MobileFaceNetImpl(int64_t embedding_size, double bn_momentum);

  torch::Tensor forward(torch::Tensor x) override;
  int64_t out_channels() const override { return embedding_size_; }
  bool embeds() const override { return true; }
  std::vector<Stage> stages() override;

  torch::nn::Sequential layers{nullptr};
  Layers conv_sep{nullptr};
  Layers features{nullptr};  ///< the GDC head

 private:
  int64_t embedding_size_;
};
TORCH_MODULE(MobileFaceNet);

}  // namespace facenet::models
