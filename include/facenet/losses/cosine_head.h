#pragma once
// The heads on cos(theta) = normalize(x) . normalize(W_c) (ArcFace, CosFace): one parameter
// `weight` (C, D), no bias, initialised as insightface's class centres (N(0, 0.01)). Scores are
// s * cos(theta); the training logits put the head's margin on each row's target column.
#include <torch/types.h>

#include "facenet/losses/head.h"

namespace facenet::losses {

/// Training logits from cosine (N, C), labels (N), s and m (arcface_logits, cosface_logits).
using MarginLogits = torch::Tensor (*)(const torch::Tensor& cosine, const torch::Tensor& labels, double s, double m);

class CosineHead : public ClassifierHead {
 public:
  /// `margin`: the head's m (its factory resolves loss.margin against the head's default).
  CosineHead(const HeadOptions& options, double margin, MarginLogits margin_logits);

  torch::Tensor scores(const torch::Tensor& x) override;
  HeadOutput forward(const torch::Tensor& x, const torch::Tensor& labels) override;

  double scale() const { return scale_; }
  double margin() const { return margin_; }

  torch::Tensor weight;  ///< (C, D)

 private:
  double scale_, margin_;
  MarginLogits margin_logits_;
};

}  // namespace facenet::losses
