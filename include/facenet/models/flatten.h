#pragma once
// (N, C, h, w) -> (N, C*h*w), as torch.flatten(x, 1). A module of its own (no parameters, so no
// state-dict keys) so that the layer graph sees where insightface's heads flatten.
#include <torch/nn/cloneable.h>
#include <torch/types.h>

namespace facenet::models {

class FlattenImpl : public torch::nn::Cloneable<FlattenImpl> {
 public:
  void reset() override {}
  torch::Tensor forward(const torch::Tensor& x) { return x.flatten(1); }
};
TORCH_MODULE(Flatten);

}  // namespace facenet::models
