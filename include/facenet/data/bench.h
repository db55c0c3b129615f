#pragma once
// Data-pipeline throughput (`facenet bench-data`): the loader alone, no model.
#include <cstdint>

#include "facenet/core/config.h"

namespace facenet::data {

struct BenchResult {
  int64_t images = 0;
  double seconds = 0;
  double images_per_second = 0;
  int workers = 0;
};

/// Loads config.root / config.annotation and times `batches` shuffled batches of `batch_size`
/// through the full pipeline (decode, preprocess, augment, collate), after one warm-up batch.
BenchResult bench_data(const DataConfig& config, int64_t batches, int64_t batch_size, uint64_t seed = 0);

}  // namespace facenet::data
