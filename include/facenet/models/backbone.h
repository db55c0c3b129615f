#pragma once
// The interface both trunks implement: a feature extractor that can also list
// itself as an ordered chain of named stages (used by the layer-by-layer summary,
// since LibTorch C++ has no forward hooks).
#include <torch/nn/module.h>
#include <torch/types.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace facenet::models {

/// One step of a backbone's forward pass. Applying every stage in order equals forward().
struct Stage {
  std::string name;  ///< registered path inside the backbone, e.g. "stage1.3" or "repeat_1.0"
  std::string type;  ///< block kind, e.g. "DepthwiseSeparable", "Block35"
  std::shared_ptr<torch::nn::Module> module;                    ///< owner of the stage's parameters
  std::function<torch::Tensor(const torch::Tensor&)> apply;  ///< runs just this stage
};

/// A trunk: (N, 3, H, W) images -> (N, out_channels(), h, w) feature map.
class BackboneImpl : public torch::nn::Module {
 public:
  virtual torch::Tensor forward(torch::Tensor x) = 0;
  /// Channels of the final feature map (1024 for MobileNet-v1, 1792 for Inception-ResNet-v1), or
  /// the embedding size when the trunk carries its own head (embeds()).
  virtual int64_t out_channels() const = 0;
  /// True when forward() already ends in the (N, D) embedding before L2 normalisation, as
  /// insightface's IResNet and MobileFaceNet do (their heads are part of the published network,
  /// under its own names); FaceNet then adds only the normalisation.
  virtual bool embeds() const { return false; }
  /// Keys inside the trunk of parameters the published network never trains (IResNet's
  /// `features.weight`, fixed at 1): the trainer keeps them frozen whatever the plan says.
  virtual std::vector<std::string> fixed_parameters() const { return {}; }
  /// The forward pass as an ordered list of stages (block granularity).
  virtual std::vector<Stage> stages() = 0;
};

}  // namespace facenet::models
