#include "facenet/losses/cosine_head.h"

#include "facenet/losses/margin_heads.h"

namespace facenet::losses {

CosineHead::CosineHead(const HeadOptions& options, double margin, MarginLogits margin_logits)
    : scale_(options.scale), margin_(margin), margin_logits_(margin_logits) {
  weight = register_parameter("weight", torch::empty({options.num_classes, options.in_features}));
  torch::NoGradGuard no_grad;
  weight.normal_(0.0, 0.01);
}

torch::Tensor CosineHead::scores(const torch::Tensor& x) { return cosine_logits(x, weight) * scale_; }

HeadOutput CosineHead::forward(const torch::Tensor& x, const torch::Tensor& labels) {
  auto cos = cosine_logits(x, weight);
  return {margin_logits_(cos, labels, scale_, margin_), cos * scale_};
}

}  // namespace facenet::losses
