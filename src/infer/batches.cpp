#include "facenet/infer/batches.h"

#include <spdlog/spdlog.h>
#include <torch/torch.h>

#include "facenet/core/error.h"
#include "facenet/core/progress.h"

namespace facenet::infer {

torch::Tensor map_batches(int64_t n, int64_t batch_size, const std::string& tag,
                          const std::function<torch::Tensor(int64_t begin, int64_t end)>& fn) {
  const int64_t batch = std::max<int64_t>(1, batch_size);
  std::vector<torch::Tensor> parts;
  Progress progress(n);
  for (int64_t begin = 0; begin < n; begin += batch) {
    const int64_t end = std::min(n, begin + batch);
    auto out = fn(begin, end);
    if (!out.defined() || out.dim() < 1 || out.size(0) != end - begin)
      throw Error("[" + tag + "] the batch function returned " +
                  (out.defined() ? c10::str(out.sizes()) : std::string("nothing")) + " for " +
                  std::to_string(end - begin) + " images starting at item " + std::to_string(begin));
    parts.push_back(out.detach().cpu());
    progress.add(end - begin);
    if (progress.due())
      spdlog::info("[{}] {}/{} images ({:.1f} img/s, ETA {})", tag, progress.done(), n, progress.rate(),
                   format_duration(progress.eta_s()));
  }
  if (parts.empty()) return torch::empty({0});
  return torch::cat(parts, 0);
}

torch::Tensor map_batches(const std::vector<std::string>& paths, int64_t batch_size, const std::string& tag,
                          const std::function<torch::Tensor(const std::vector<std::string>&)>& fn) {
  const auto n = static_cast<int64_t>(paths.size());
  const int64_t batch = std::max<int64_t>(1, batch_size);
  std::vector<torch::Tensor> parts;
  Progress progress(n);
  for (int64_t begin = 0; begin < n; begin += batch) {
    const std::vector<std::string> chunk(paths.begin() + begin, paths.begin() + std::min(n, begin + batch));
    auto out = fn(chunk);
    if (!out.defined() || out.dim() < 1 || out.size(0) != static_cast<int64_t>(chunk.size()))
      throw Error("[" + tag + "] the batch function returned " +
                  (out.defined() ? c10::str(out.sizes()) : std::string("nothing")) + " for " +
                  std::to_string(chunk.size()) + " images starting at '" + chunk.front() + "'");
    parts.push_back(out.detach().cpu());
    progress.add(static_cast<int64_t>(chunk.size()));
    if (progress.due())
      spdlog::info("[{}] {}/{} images ({:.1f} img/s, ETA {})", tag, progress.done(), n, progress.rate(),
                   format_duration(progress.eta_s()));
  }
  if (parts.empty()) return torch::empty({0});
  return torch::cat(parts, 0);
}

}  // namespace facenet::infer
