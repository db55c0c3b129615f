#pragma once
// The FaceNet embedding network: a trunk (MobileNet-v1 or Inception-ResNet-v1)
// and the embedding head GAP -> dropout -> last_linear (no bias) ->
// last_bn (BatchNorm1d, eps 1e-3) -> L2 normalisation. insightface's trunks (IResNet-*,
// MobileFaceNet) carry their own head (BackboneImpl::embeds()): then only the L2 normalisation
// is added and avgpool_1a, dropout, last_linear and last_bn stay null.
//
// Parameter names: the trunk is registered as `backbone`, the head as
// `avgpool_1a`, `dropout`, `last_linear`, `last_bn` (timesler's names), so keys are
//   backbone.<trunk key>   last_linear.weight   last_bn.{weight,bias,running_mean,running_var,num_batches_tracked}
// to_port_key() maps them to timesler/facenet-pytorch keys (Inception-ResNet-v1)
// and to_seed_key() to the seed's (bubbliiiing) keys.
#include <torch/nn/module.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/dropout.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/pooling.h>
#include <torch/types.h>

#include <memory>
#include <string>
#include <vector>

#include "facenet/core/config.h"
#include "facenet/models/backbone.h"

namespace facenet::models {

struct FaceNetOutput {
  torch::Tensor prelogits;   ///< (N, D) last_bn output, before L2 normalisation (the classifier's input)
  torch::Tensor embeddings;  ///< (N, D) L2-normalised
};

class FaceNetImpl : public torch::nn::Module {
 public:
  /// Builds the trunk named by config.backbone and a config.embedding_size head.
  /// Throws ConfigError for an unknown backbone or a non-positive size.
  explicit FaceNetImpl(const ModelConfig& config = {});

  /// (N, 3, H, W) -> (N, D) unit-norm embeddings.
  torch::Tensor forward(torch::Tensor x);
  /// Both the pre-normalisation BN output and the embeddings.
  FaceNetOutput forward_train(torch::Tensor x);
  /// Head only: (N, C, h, w) trunk features -> prelogits and embeddings.
  FaceNetOutput head(const torch::Tensor& features);

  /// Stores 4-D weights and runs the trunk in channels-last (NHWC) memory order. oneDNN's
  /// convolutions and the BatchNorm/ReLU kernels are much faster there on CPU (≈1.5–2x in
  /// training here); results agree with NCHW to float rounding. Call after moving to the device.
  void use_channels_last(bool enable = true);
  bool channels_last() const { return channels_last_; }

  const ModelConfig& options() const { return config_; }
  int64_t embedding_size() const { return config_.embedding_size; }
  Backbone backbone_kind() const { return config_.backbone; }
  /// True when the trunk ends in the embedding (insightface's): no FaceNet head modules.
  bool trunk_embeds() const { return backbone_->embeds(); }
  /// Full keys of parameters the published network never trains (`backbone.features.weight`).
  std::vector<std::string> fixed_parameters() const;
  BackboneImpl& backbone() { return *backbone_; }

  torch::nn::AdaptiveAvgPool2d avgpool_1a{nullptr};
  torch::nn::Dropout dropout{nullptr};
  torch::nn::Linear last_linear{nullptr};
  torch::nn::BatchNorm1d last_bn{nullptr};

 private:
  ModelConfig config_;
  bool channels_last_ = false;
  std::shared_ptr<BackboneImpl> backbone_;
};
TORCH_MODULE(FaceNet);

/// The model described by `config` (same as FaceNet(config)).
FaceNet make_model(const ModelConfig& config);

/// Number of learnable parameter elements (all parameters, recursively).
int64_t count_parameters(const torch::nn::Module& module);
/// Same, counting only parameters with requires_grad.
int64_t count_trainable_parameters(const torch::nn::Module& module);

/// Our key -> timesler/facenet-pytorch InceptionResnetV1 state_dict key: strips
/// the `backbone.` prefix (`backbone.repeat_1.0.conv2d.bias` -> `repeat_1.0.conv2d.bias`,
/// `last_bn.weight` unchanged). Exact for Inception-ResNet-v1.
std::string to_port_key(const std::string& key);

/// Our key -> the seed's (bubbliiiing facenet-pytorch) key: `backbone.X` ->
/// `backbone.model.X`, `last_linear.weight` -> `Bottleneck.weight`, others unchanged.
std::string to_seed_key(const std::string& key);

}  // namespace facenet::models
