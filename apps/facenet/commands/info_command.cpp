#include <iostream>

#include "commands/common.h"
#include "facenet/core/runtime.h"

namespace facenet::cli {

void register_info(CLI::App& app) {
  auto* cmd = app.add_subcommand("info", "Print versions, threads, CPU features, BLAS, CUDA and distributed backends");
  auto threads = std::make_shared<int64_t>(0);
  add_threads_option(cmd, *threads);
  cmd->callback([threads] {
    use_threads(*threads);
    for (const auto& [key, value] : system_info()) std::cout << key << ": " << value << "\n";
  });
}

}  // namespace facenet::cli
