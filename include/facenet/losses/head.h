#pragma once
// A classification head: the module between the network's prelogits and the cross-entropy.
// Heads are registered by name (head_registry.h) and chosen with loss.head; the objective
// registers the one it builds as its submodule `classifier`, so a head's parameters are
// trained, checkpointed and restored as `classifier.<name>` (softmax: classifier.weight and
// classifier.bias).
#include <torch/nn/module.h>
#include <torch/types.h>

#include <optional>

namespace facenet::losses {

/// What a head is built from: the sizes, and loss.scale / loss.margin.
struct HeadOptions {
  int64_t in_features = 128;     ///< D, the prelogits' width (model.embedding_size)
  int64_t num_classes = 2;       ///< C, the training identities
  double scale = 64.0;           ///< loss.scale: s of the cosine heads
  std::optional<double> margin;  ///< loss.margin; unset = the head's own default
};

struct HeadOutput {
  torch::Tensor logits;  ///< (N, C) training logits (a margin head applies its margin to the target column)
  torch::Tensor scores;  ///< (N, C) margin-free logits, for predictions and accuracy
};

class ClassifierHead : public torch::nn::Module {
 public:
  /// Margin-free logits (N, C) of prelogits x (N, D); no labels needed.
  virtual torch::Tensor scores(const torch::Tensor& x) = 0;
  /// Training logits and scores of x (N, D) with labels (N) int64. The default, for heads
  /// without a margin, is scores(x) for both.
  virtual HeadOutput forward(const torch::Tensor& x, const torch::Tensor& labels);
};

}  // namespace facenet::losses
