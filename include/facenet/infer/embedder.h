#pragma once
// facenet::Embedder: the deployment API. Loads an exported model (TorchScript or ONNX) or a
// training checkpoint, embeds BGR images (as cv::imread gives them) with the preprocessing stored
// in the model, and compares embeddings at the stored verification threshold. Torch-free.
#include <memory>
#include <string>
#include <vector>

#include "facenet/infer/meta.h"

namespace cv {
class Mat;
}

namespace facenet {

using Embedding = std::vector<float>;

struct Comparison {
  double distance = 0;  ///< under meta().distance
  bool same = false;    ///< distance < threshold
};

class Embedder {
 public:
  /// Throws facenet::Error naming `model_path` when it is missing, of another kind or corrupt.
  explicit Embedder(const std::string& model_path);
  ~Embedder();
  Embedder(Embedder&&) noexcept;
  Embedder& operator=(Embedder&&) noexcept;

  /// One image (8-bit BGR, any size) -> unit-norm embedding of embedding_size() values.
  Embedding embed(const cv::Mat& bgr) const;
  /// Several images in one forward pass.
  std::vector<Embedding> embed(const std::vector<cv::Mat>& bgr) const;
  /// Reads `path` (throws facenet::Error naming it when unreadable) and embeds it.
  Embedding embed_file(const std::string& path) const;

  /// Distance and same/different at threshold().
  Comparison compare(const Embedding& a, const Embedding& b) const;

  int64_t embedding_size() const;
  /// The stored verification threshold (calibrated at FAR = meta().far_target; 0 = none stored).
  double threshold() const;
  const infer::ExportMeta& meta() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace facenet
