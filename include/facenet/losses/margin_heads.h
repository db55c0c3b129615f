#pragma once
// Classification heads on the embedding network's pre-normalisation output
// (FaceNetOutput::prelogits, (N, D)):
//  - Softmax: Linear(D -> C) with bias on the prelogits (the seed's `classifier`);
//  - ArcFace: s * cos(theta + m) for the target class, s * cos(theta) elsewhere;
//  - CosFace: s * (cos(theta) - m) for the target class, s * cos(theta) elsewhere;
// where cos(theta) = normalize(x) . normalize(W_c). Margin heads have no bias.
//
// ArcFace convention ("easy margin" off, as insightface's ArcMarginProduct and
// CombinedMarginLoss's fallback): when theta + m > pi (cos theta < cos(pi - m)),
// the target logit is s * (cos theta - m * sin m), which keeps it monotonic in theta.
#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>
#include <torch/types.h>

#include "facenet/core/config.h"

namespace facenet::losses {

enum class HeadKind { Softmax, ArcFace, CosFace };

/// The head kind a loss type uses (Softmax for softmax/softmax_triplet, ...). Throws for triplet.
HeadKind head_kind_for(LossType type);

/// cos(theta) between rows of x (N, D) and rows of weight (C, D) -> (N, C).
torch::Tensor cosine_logits(const torch::Tensor& x, const torch::Tensor& weight);

/// s * cos with the additive angular margin on each row's target column (convention above).
torch::Tensor arcface_logits(const torch::Tensor& cosine, const torch::Tensor& labels, double s, double m);

/// s * cos with cos - m on each row's target column.
torch::Tensor cosface_logits(const torch::Tensor& cosine, const torch::Tensor& labels, double s, double m);

struct HeadOutput {
  torch::Tensor logits;  ///< (N, C) training logits (margin applied to the target for ArcFace/CosFace)
  torch::Tensor scores;  ///< (N, C) margin-free logits, for predictions and accuracy
};

struct ClassifierHeadOptions {
  HeadKind kind = HeadKind::Softmax;
  int64_t in_features = 128;
  int64_t num_classes = 2;
  double scale = 64.0;   ///< s (margin heads)
  double margin = 0.5;   ///< m (margin heads)
};

/// One module for the three heads; parameters `weight` (C, D) and, for softmax, `bias` (C).
class ClassifierHeadImpl : public torch::nn::Module {
 public:
  explicit ClassifierHeadImpl(const ClassifierHeadOptions& options);

  /// x = prelogits (N, D), labels (N) int64.
  HeadOutput forward(const torch::Tensor& x, const torch::Tensor& labels);
  /// Margin-free logits (no labels needed).
  torch::Tensor scores(const torch::Tensor& x);

  const ClassifierHeadOptions& options() const { return options_; }

  torch::Tensor weight;
  torch::Tensor bias;  ///< undefined for margin heads

 private:
  ClassifierHeadOptions options_;
};
TORCH_MODULE(ClassifierHead);

}  // namespace facenet::losses
