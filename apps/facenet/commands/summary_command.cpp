#include <iostream>

#include "commands/common.h"
#include "facenet/models/summary.h"

namespace facenet::cli {

void register_summary(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "summary", "Print the network layer by layer (name, output shape, parameters) and the totals");
  auto opts = std::make_shared<ConfigOptions>();
  opts->add_to(cmd);
  cmd->callback([opts] {
    const auto config = opts->load();
    start_runtime(config);
    std::cout << models::summary_text(config.model, config.data.preprocess.image_size);
  });
}

}  // namespace facenet::cli
