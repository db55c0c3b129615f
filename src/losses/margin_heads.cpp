#include "facenet/losses/margin_heads.h"

#include <torch/nn/functional/linear.h>
#include <torch/nn/functional/normalization.h>
#include <torch/nn/init.h>

#include <cmath>

#include "facenet/core/error.h"

namespace facenet::losses {
namespace {

namespace F = torch::nn::functional;

torch::Tensor l2n(const torch::Tensor& x) { return F::normalize(x, F::NormalizeFuncOptions().p(2).dim(1).eps(1e-10)); }

torch::Tensor target_mask(const torch::Tensor& cosine, const torch::Tensor& labels) {
  if (labels.dim() != 1 || labels.size(0) != cosine.size(0))
    throw Error("margin head: labels must be (N) with N = " + std::to_string(cosine.size(0)));
  return torch::zeros_like(cosine, torch::kBool).scatter_(1, labels.view({-1, 1}), true);
}

}  // namespace

HeadKind head_kind_for(LossType type) {
  switch (type) {
    case LossType::Softmax:
    case LossType::SoftmaxTriplet:
      return HeadKind::Softmax;
    case LossType::ArcFace:
    case LossType::ArcFaceTriplet:
      return HeadKind::ArcFace;
    case LossType::CosFace:
    case LossType::CosFaceTriplet:
      return HeadKind::CosFace;
    case LossType::Triplet:
      break;
  }
  throw Error("loss.type: " + to_string(type) + " has no classification head");
}

torch::Tensor cosine_logits(const torch::Tensor& x, const torch::Tensor& weight) {
  return l2n(x).matmul(l2n(weight).t());
}

torch::Tensor arcface_logits(const torch::Tensor& cosine, const torch::Tensor& labels, double s, double m) {
  auto cos = cosine.clamp(-1, 1);
  // sin(theta) >= 0 for theta in [0, pi]; the floor keeps its gradient finite at |cos| = 1.
  auto sin = (1 - cos * cos).clamp_min(1e-12).sqrt();
  auto with_margin = cos * std::cos(m) - sin * std::sin(m);        // cos(theta + m)
  auto fallback = cos - m * std::sin(m);                            // theta + m > pi
  auto target = torch::where(cos > std::cos(M_PI - m), with_margin, fallback);
  return torch::where(target_mask(cosine, labels), target, cosine) * s;
}

torch::Tensor cosface_logits(const torch::Tensor& cosine, const torch::Tensor& labels, double s, double m) {
  return torch::where(target_mask(cosine, labels), cosine - m, cosine) * s;
}

ClassifierHeadImpl::ClassifierHeadImpl(const ClassifierHeadOptions& options) : options_(options) {
  if (options.in_features <= 0 || options.num_classes <= 0)
    throw ConfigError("classifier head: in_features and num_classes must be > 0 (got " +
                      std::to_string(options.in_features) + ", " + std::to_string(options.num_classes) + ")");
  weight = register_parameter("weight", torch::empty({options.num_classes, options.in_features}));
  if (options.kind == HeadKind::Softmax) {
    // nn.Linear's default initialisation, as the seed's classifier.
    torch::nn::init::kaiming_uniform_(weight, std::sqrt(5.0));
    const double bound = 1.0 / std::sqrt(static_cast<double>(options.in_features));
    bias = register_parameter("bias", torch::empty({options.num_classes}).uniform_(-bound, bound));
  } else {
    torch::NoGradGuard no_grad;
    weight.normal_(0.0, 0.01);  // insightface's class-centre initialisation
  }
}

torch::Tensor ClassifierHeadImpl::scores(const torch::Tensor& x) {
  if (options_.kind == HeadKind::Softmax) return F::linear(x, weight, bias);
  return cosine_logits(x, weight) * options_.scale;
}

HeadOutput ClassifierHeadImpl::forward(const torch::Tensor& x, const torch::Tensor& labels) {
  switch (options_.kind) {
    case HeadKind::Softmax: {
      auto logits = F::linear(x, weight, bias);
      return {logits, logits};
    }
    case HeadKind::ArcFace: {
      auto cos = cosine_logits(x, weight);
      return {arcface_logits(cos, labels, options_.scale, options_.margin), cos * options_.scale};
    }
    case HeadKind::CosFace: {
      auto cos = cosine_logits(x, weight);
      return {cosface_logits(cos, labels, options_.scale, options_.margin), cos * options_.scale};
    }
  }
  throw Error("classifier head: unknown kind");
}

}  // namespace facenet::losses
