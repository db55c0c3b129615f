#include <iostream>

#include "commands/common.h"
#include "facenet/core/runtime.h"

namespace facenet::cli {

void register_info(CLI::App& app) {
  auto* cmd = app.add_subcommand("info", "Print versions, threads, CPU features, BLAS, CUDA and distributed backends");
  auto threads = std::make_shared<int64_t>(0);
  cmd->add_option("--threads", *threads, "Intra-op threads to set first (0 = all cores)");
  cmd->callback([threads] {
    RuntimeConfig runtime;
    runtime.threads = *threads;
    apply_runtime(runtime);
    for (const auto& [key, value] : system_info()) std::cout << key << ": " << value << "\n";
  });
}

}  // namespace facenet::cli
