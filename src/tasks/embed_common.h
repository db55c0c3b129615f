#pragma once
// Helpers shared by the embed/verify/identify/enroll/cluster tasks (private to src/tasks).
#include <torch/torch.h>

#include <cmath>
#include <string>
#include <vector>

#include "facenet/infer/batches.h"
#include "facenet/data/preprocess.h"
#include "facenet/infer/network_loader.h"

namespace facenet::tasks {

inline bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

/// Embeds `paths` (whole images) in batches with a progress line; returns (N, D) float32.
inline torch::Tensor embed_paths(const infer::LoadedNetwork& net, const std::vector<std::string>& paths,
                                 int64_t batch_size, int threads) {
  if (paths.empty()) return torch::zeros({0, net.meta.embedding_size});
  return infer::map_batches(paths, std::max<int64_t>(1, batch_size), "embed", [&](const std::vector<std::string>& chunk) {
           return net.forward(data::load_images(chunk, net.meta.preprocess, false, threads)).to(torch::kFloat);
         }).contiguous();
}

/// The stored threshold in L2 units (unit-norm embeddings): l2sq -> sqrt, angular
/// distance t = theta / pi -> chord 2 sin(theta / 2). 0 = none stored.
inline double l2_threshold(const infer::ExportMeta& meta) {
  switch (meta.distance) {
    case Distance::L2: return meta.threshold;
    case Distance::L2Squared: return std::sqrt(std::max(0.0, meta.threshold));
    case Distance::Cosine: return 2 * std::sin(meta.threshold * M_PI / 2);
  }
  return meta.threshold;
}

}  // namespace facenet::tasks
