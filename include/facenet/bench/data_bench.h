#pragma once
// Data-pipeline throughput (`facenet bench-data`): the loader alone, no model.
#include <cstdint>
#include <string>

#include "facenet/core/config.h"

namespace facenet::bench {

struct DataBenchResult {
  std::string source;  ///< "<kind> <location>" of the source measured, e.g. "pack /data/ms1m"
  int64_t images = 0;
  double seconds = 0;
  double images_per_second = 0;
  int workers = 0;
};

/// Loads the config's dataset (data::load_dataset) and times `batches` shuffled batches of
/// `batch_size` through the full pipeline (decode, preprocess, augment, collate), after one
/// warm-up batch.
DataBenchResult bench_data(const DataConfig& config, int64_t batches, int64_t batch_size, uint64_t seed = 0);

}  // namespace facenet::bench
