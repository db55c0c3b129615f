#pragma once
// The embeddings file: every evaluated image's embedding (and its flipped twin's), so a re-run
// with other switches (distance, flip, subtract_mean, folds) does not embed again.
#include <torch/types.h>

#include <string>
#include <vector>

namespace facenet::eval {

/// Embeddings of `images` (names as in the pairs file, relative to the data folder).
struct EmbeddingSet {
  std::vector<std::string> images;
  torch::Tensor plain;    ///< (N, D) float32, row i = images[i]
  torch::Tensor flipped;  ///< (N, D) of the flipped images, or undefined when not computed
};

/// Writes one torch archive (loadable by torch.jit.load in Python too) with tensors `plain`,
/// `flipped` (when defined), `images` (the names, '\n'-joined UTF-8 bytes, uint8) and
/// `format_version`. Written atomically.
void save_embeddings(const std::string& path, const EmbeddingSet& set);

/// Reads save_embeddings' file; throws Error naming the file when it is not one.
EmbeddingSet load_embeddings(const std::string& path);

}  // namespace facenet::eval
