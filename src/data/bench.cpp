#include "facenet/data/bench.h"

#include <torch/types.h>

#include <chrono>

#include "facenet/data/loader.h"

namespace facenet::data {

BenchResult bench_data(const DataConfig& config, int64_t batches, int64_t batch_size, uint64_t seed) {
  const Dataset dataset = load_dataset(config);
  BatchSampler sampler(dataset, SamplingMode::Shuffled, batch_size, seed);
  BatchLoader loader(dataset, std::move(sampler), config, seed);
  loader.next();  // warm-up: threads started, first batch decoded
  const auto start = std::chrono::steady_clock::now();
  BenchResult r;
  for (int64_t i = 0; i < batches; ++i) r.images += loader.next().images.size(0);
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  r.images_per_second = r.seconds > 0 ? r.images / r.seconds : 0;
  r.workers = loader.workers();
  return r;
}

}  // namespace facenet::data
