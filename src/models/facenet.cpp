#include "facenet/models/facenet.h"

#include <torch/nn/functional/normalization.h>

#include "facenet/core/error.h"
#include "facenet/models/inception_resnet_v1.h"
#include "facenet/models/iresnet.h"
#include "facenet/models/mobilefacenet.h"
#include "facenet/models/mobilenet_v1.h"

namespace facenet::models {
namespace {

namespace nn = torch::nn;
constexpr double kHeadBnEps = 1e-3;  // both anchors' last_bn
constexpr double kL2Eps = 1e-12;     // F.normalize's default, as timesler's port

std::shared_ptr<BackboneImpl> make_backbone(const ModelConfig& c) {
  switch (c.backbone) {
    case Backbone::MobileNet:
      return std::make_shared<MobileNetV1Impl>(c.bn_momentum);
    case Backbone::InceptionResNetV1:
      return std::make_shared<InceptionResnetV1Impl>(c.bn_momentum);
    case Backbone::IResNet18:
    case Backbone::IResNet34:
    case Backbone::IResNet50:
    case Backbone::IResNet100:
    case Backbone::IResNet200:
      return std::make_shared<IResNetImpl>(iresnet_layers(c.backbone), c.embedding_size, c.bn_momentum);
    case Backbone::MobileFaceNet:
      return std::make_shared<MobileFaceNetImpl>(c.embedding_size, c.bn_momentum);
  }
  throw ConfigError("model.backbone: unknown backbone (value " + std::to_string(static_cast<int>(c.backbone)) +
                    "); expected mobilenet, inception_resnet_v1, iresnet18|34|50|100|200 or mobilefacenet");
}

const std::string kBackbonePrefix = "backbone.";

bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

}  // namespace

FaceNetImpl::FaceNetImpl(const ModelConfig& config) : config_(config) {
  if (config.embedding_size <= 0)
    throw ConfigError("model.embedding_size: must be > 0 (got " + std::to_string(config.embedding_size) + ")");
  if (!(config.dropout_keep > 0 && config.dropout_keep <= 1))
    throw ConfigError("model.dropout_keep: must be in (0, 1] (got " + std::to_string(config.dropout_keep) + ")");
  backbone_ = register_module("backbone", make_backbone(config));
  if (backbone_->embeds()) return;  // insightface's trunks end in their own head
  avgpool_1a = register_module("avgpool_1a", nn::AdaptiveAvgPool2d(1));
  dropout = register_module("dropout", nn::Dropout(1.0 - config.dropout_keep));
  last_linear = register_module(
      "last_linear", nn::Linear(nn::LinearOptions(backbone_->out_channels(), config.embedding_size).bias(false)));
  last_bn = register_module(
      "last_bn",
      nn::BatchNorm1d(nn::BatchNormOptions(config.embedding_size).eps(kHeadBnEps).momentum(config.bn_momentum)));
}

FaceNetOutput FaceNetImpl::head(const torch::Tensor& features) {
  if (backbone_->embeds()) {
    auto prelogits = features.scalar_type() == torch::kFloat ? features : features.to(torch::kFloat);
    return {prelogits,
            nn::functional::normalize(prelogits, nn::functional::NormalizeFuncOptions().p(2).dim(1).eps(kL2Eps))};
  }
  auto pooled = avgpool_1a(features).flatten(1);
  auto projected = last_linear(dropout(pooled));
  // Under mixed precision the projection comes out in bf16/fp16; the head's BatchNorm, the L2
  // normalisation and everything downstream (losses, distances) stay fp32.
  if (projected.scalar_type() != torch::kFloat && projected.scalar_type() != torch::kDouble)
    projected = projected.to(torch::kFloat);
  auto prelogits = last_bn(projected);
  auto embeddings = nn::functional::normalize(prelogits, nn::functional::NormalizeFuncOptions().p(2).dim(1).eps(kL2Eps));
  return {prelogits, embeddings};
}

FaceNetOutput FaceNetImpl::forward_train(torch::Tensor x) {
  if (channels_last_) x = x.contiguous(torch::MemoryFormat::ChannelsLast);
  return head(backbone_->forward(x));
}

void FaceNetImpl::use_channels_last(bool enable) {
  channels_last_ = enable;
  const auto format = enable ? torch::MemoryFormat::ChannelsLast : torch::MemoryFormat::Contiguous;
  torch::NoGradGuard no_grad;
  for (auto& p : parameters())
    if (p.dim() == 4) p.set_data(p.data().contiguous(format));
}

std::vector<std::string> FaceNetImpl::fixed_parameters() const {
  std::vector<std::string> out;
  for (const auto& key : backbone_->fixed_parameters()) out.push_back(kBackbonePrefix + key);
  return out;
}

torch::Tensor FaceNetImpl::forward(torch::Tensor x) { return forward_train(x).embeddings; }

FaceNet make_model(const ModelConfig& config) { return FaceNet(config); }

int64_t count_parameters(const torch::nn::Module& module) {
  int64_t n = 0;
  for (const auto& p : module.parameters()) n += p.numel();
  return n;
}

int64_t count_trainable_parameters(const torch::nn::Module& module) {
  int64_t n = 0;
  for (const auto& p : module.parameters())
    if (p.requires_grad()) n += p.numel();
  return n;
}

std::string to_port_key(const std::string& key) {
  return starts_with(key, kBackbonePrefix) ? key.substr(kBackbonePrefix.size()) : key;
}

std::string to_seed_key(const std::string& key) {
  if (starts_with(key, kBackbonePrefix)) return "backbone.model." + key.substr(kBackbonePrefix.size());
  if (starts_with(key, "last_linear.")) return "Bottleneck." + key.substr(std::string("last_linear.").size());
  return key;
}

}  // namespace facenet::models
