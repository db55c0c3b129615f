#include <cstdio>
#include <iostream>

#include "commands/common.h"
#include "facenet/data/bench.h"

namespace facenet::cli {

void register_bench_data(CLI::App& app) {
  auto* cmd = app.add_subcommand("bench-data", "Measure the data pipeline alone (decode, preprocess, augment, collate)");
  auto opts = std::make_shared<ConfigOptions>();
  auto root = std::make_shared<std::string>();
  auto batches = std::make_shared<int64_t>(50);
  auto batch_size = std::make_shared<int64_t>(0);
  auto workers = std::make_shared<int64_t>(-1);
  opts->add_to(cmd);
  cmd->add_option("--root", *root, "Dataset root (overrides data.root)");
  cmd->add_option("--batches", *batches, "Timed batches")->capture_default_str();
  cmd->add_option("--batch-size", *batch_size, "Batch size (default train.batch_size)");
  cmd->add_option("--workers", *workers, "Decode threads (default data.workers; 0 = all cores)");
  cmd->callback([=] {
    auto config = opts->load();
    if (!root->empty()) config.data.root = *root, config.data.annotation.clear();
    if (*workers >= 0) config.data.workers = *workers;
    start_runtime(config);
    const auto r = data::bench_data(config.data, *batches, *batch_size > 0 ? *batch_size : config.train.batch_size,
                                    static_cast<uint64_t>(config.runtime.seed));
    std::printf("%lld images in %.2f s on %d workers: %.0f images/s\n", static_cast<long long>(r.images), r.seconds,
                r.workers, r.images_per_second);
  });
}

}  // namespace facenet::cli
