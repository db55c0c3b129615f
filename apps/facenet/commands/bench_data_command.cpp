#include <cstdio>
#include <iostream>
#include <utility>
#include <vector>

#include "commands/common.h"
#include "facenet/data/bench.h"

namespace facenet::cli {

void register_bench_data(CLI::App& app) {
  auto* cmd = app.add_subcommand("bench-data", "Measure the data pipeline alone (decode, preprocess, augment, collate)");
  auto opts = std::make_shared<ConfigOptions>();
  auto root = std::make_shared<std::string>();
  auto rec = std::make_shared<std::string>();
  auto batches = std::make_shared<int64_t>(50);
  auto batch_size = std::make_shared<int64_t>(0);
  auto workers = std::make_shared<int64_t>(-1);
  opts->add_to(cmd);
  cmd->add_option("--root", *root, "Dataset root (overrides data.root)");
  cmd->add_option("--rec", *rec,
                  "insightface pack (folder with train.rec, or the .rec) (overrides data.rec); with --root as well, "
                  "both are measured, the pack first");
  cmd->add_option("--batches", *batches, "Timed batches")->capture_default_str();
  cmd->add_option("--batch-size", *batch_size, "Batch size (default train.batch_size)");
  cmd->add_option("--workers", *workers, "Decode threads (default data.workers; 0 = all cores)");
  cmd->callback([=] {
    auto config = opts->load();
    if (*workers >= 0) config.data.workers = *workers;
    start_runtime(config);
    // The sources to measure: the pack (--rec), the folder (--root), or the config's dataset.
    std::vector<std::pair<std::string, DataConfig>> sources;
    if (!rec->empty()) {
      auto d = config.data;
      d.rec = *rec, d.root.clear(), d.annotation.clear();
      sources.emplace_back("pack " + *rec, d);
    }
    if (!root->empty()) {
      auto d = config.data;
      d.root = *root, d.rec.clear(), d.annotation.clear();
      sources.emplace_back("folder " + *root, d);
    }
    if (sources.empty()) sources.emplace_back("", config.data);
    for (const auto& [name, data_config] : sources) {
      const auto r = data::bench_data(data_config, *batches, *batch_size > 0 ? *batch_size : config.train.batch_size,
                                      static_cast<uint64_t>(config.runtime.seed));
      std::printf("%s%s%lld images in %.2f s on %d workers: %.0f images/s\n", name.c_str(), name.empty() ? "" : ": ",
                  static_cast<long long>(r.images), r.seconds, r.workers, r.images_per_second);
    }
  });
}

}  // namespace facenet::cli
