// loss.head: softmax. Linear(D -> C) with bias on the prelogits (the seed's `classifier`).
#include <torch/nn/functional/linear.h>
#include <torch/nn/init.h>

#include <cmath>

#include "facenet/losses/head.h"

namespace facenet::losses {
namespace {

class SoftmaxHead : public ClassifierHead {
 public:
  explicit SoftmaxHead(const HeadOptions& options) {
    // nn.Linear's default initialisation, as the seed's classifier; weight before bias, the
    // order checkpoints and optimiser states hold them in.
    weight = register_parameter("weight", torch::empty({options.num_classes, options.in_features}));
    torch::nn::init::kaiming_uniform_(weight, std::sqrt(5.0));
    const double bound = 1.0 / std::sqrt(static_cast<double>(options.in_features));
    bias = register_parameter("bias", torch::empty({options.num_classes}).uniform_(-bound, bound));
  }

  torch::Tensor scores(const torch::Tensor& x) override { return torch::nn::functional::linear(x, weight, bias); }

  torch::Tensor weight, bias;
};

}  // namespace

std::shared_ptr<ClassifierHead> make_softmax_head(const HeadOptions& options) {
  return std::make_shared<SoftmaxHead>(options);
}

}  // namespace facenet::losses
