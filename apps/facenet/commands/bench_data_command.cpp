#include <cstdio>
#include <iostream>
#include <vector>

#include "commands/common.h"
#include "facenet/bench/data_bench.h"

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
    // The sources to measure: --rec, then --root (each in place of the config's source), else
    // the config's own. Which kind each one is (pack, folder, ...) is data::open_source's choice.
    auto without_source = [&] {
      auto d = config.data;
      d.root.clear(), d.rec.clear(), d.annotation.clear();
      return d;
    };
    std::vector<DataConfig> sources;
    if (!rec->empty()) sources.push_back(without_source()), sources.back().rec = *rec;
    if (!root->empty()) sources.push_back(without_source()), sources.back().root = *root;
    const bool named = !sources.empty();
    if (!named) sources.push_back(config.data);
    for (const auto& data_config : sources) {
      const auto r = bench::bench_data(data_config, *batches, *batch_size > 0 ? *batch_size : config.train.batch_size,
                                       static_cast<uint64_t>(config.runtime.seed));
      std::printf("%s%s%lld images in %.2f s on %d workers: %.0f images/s\n", named ? r.source.c_str() : "",
                  named ? ": " : "", static_cast<long long>(r.images), r.seconds, r.workers, r.images_per_second);
    }
  });
}

}  // namespace facenet::cli
