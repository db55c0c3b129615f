#pragma once
// The one "image files in batches -> tensors, with a progress line" loop, used by evaluation,
// training-time validation, `facenet embed` and `facenet identify`.
#include <torch/types.h>

#include <functional>
#include <string>
#include <vector>

namespace facenet::infer {

/// Calls `fn` on consecutive slices of at most `batch_size` paths, checks that each result has
/// one row per path, and concatenates them along dim 0 (CPU). Logs
/// "[tag] done/total images (rate img/s, ETA)" every 5 s and at the end. An empty `paths` gives
/// an empty (0) tensor.
torch::Tensor map_batches(const std::vector<std::string>& paths, int64_t batch_size, const std::string& tag,
                          const std::function<torch::Tensor(const std::vector<std::string>&)>& fn);

/// The same over index ranges: `fn(begin, end)` for consecutive [begin, end) of at most
/// `batch_size` of `n` items (e.g. in-memory encoded images); `fn` returns one row per item.
torch::Tensor map_batches(int64_t n, int64_t batch_size, const std::string& tag,
                          const std::function<torch::Tensor(int64_t begin, int64_t end)>& fn);

}  // namespace facenet::infer
