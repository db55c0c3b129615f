#include "facenet/bench/data_bench.h"

#include <torch/types.h>

#include <chrono>

#include "facenet/data/loader.h"
#include "facenet/data/source_registry.h"

namespace facenet::bench {

DataBenchResult bench_data(const DataConfig& config, int64_t batches, int64_t batch_size, uint64_t seed) {
  const auto opened = data::open_source(config);
  const data::Dataset dataset = data::load_dataset(opened, config);
  data::BatchSampler sampler(dataset, data::SamplingMode::Shuffled, batch_size, seed);
  data::BatchLoader loader(dataset, std::move(sampler), config, seed);
  loader.next();  // warm-up: threads started, first batch decoded
  const auto start = std::chrono::steady_clock::now();
  DataBenchResult r;
  r.source = opened.kind + " " + opened.location;
  for (int64_t i = 0; i < batches; ++i) r.images += loader.next().images.size(0);
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  r.images_per_second = r.seconds > 0 ? r.images / r.seconds : 0;
  r.workers = loader.workers();
  return r;
}

}  // namespace facenet::bench
