#include <iostream>

#include "commands/common.h"
#include "facenet/core/config_yaml.h"

namespace facenet::cli {

void register_config(CLI::App& app) {
  auto* cmd = app.add_subcommand("config", "Inspect configuration");
  cmd->require_subcommand(1);

  auto opts = std::make_shared<ConfigOptions>();
  auto* show = cmd->add_subcommand("show", "Print the resolved config (defaults < file < --set)");
  opts->add_to(show);
  show->callback([opts] { std::cout << to_yaml(opts->load()); });

  auto* keys = cmd->add_subcommand("keys", "List every valid config key");
  keys->callback([] {
    for (const auto& k : config_keys()) std::cout << k << "\n";
  });
}

}  // namespace facenet::cli
