#include <iostream>

#include "commands/common.h"
#include "facenet/tasks/check.h"

namespace facenet::cli {

void register_check(CLI::App& app) {
  auto* cmd = app.add_subcommand("check", "Say what a file is (checkpoint, export, pack, .bin) and whether it is intact");
  auto files = std::make_shared<std::vector<std::string>>();
  auto preprocess = std::make_shared<tasks::PreprocessArgs>();
  cmd->add_option("files", *files, "Files to check")->required();
  add_preprocess_options(cmd, *preprocess);
  cmd->callback([files, preprocess] {
    bool all_intact = true;
    for (const auto& f : *files) {
      const auto result = tasks::check_file(f, *preprocess);
      std::cout << tasks::format_check(f, result);
      all_intact = all_intact && result.intact;
    }
    if (!all_intact) exit_with(1);  // a damaged file: the report above says which and why
  });
}

}  // namespace facenet::cli
