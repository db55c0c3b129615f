#include <iostream>
#include <string>

#include "commands/common.h"
#include "facenet/core/runtime.h"
#include "facenet/tasks/exporter.h"

namespace facenet::cli {

void register_info(CLI::App& app) {
  auto* cmd = app.add_subcommand("info", "Print versions, threads, CPU features, BLAS, CUDA, distributed backends and network formats");
  auto threads = std::make_shared<int64_t>(0);
  add_threads_option(cmd, *threads);
  cmd->callback([threads] {
    use_threads(*threads);
    for (const auto& [key, value] : system_info()) std::cout << key << ": " << value << "\n";
    // The network-format table: what eval/embed load and what export writes.
    std::string formats;
    for (const auto& f : tasks::list_formats())
      formats += (formats.empty() ? "" : ", ") + f.name + " (" +
                 (f.loads && f.writes ? "load, write" : f.loads ? "load" : "write") + ")";
    std::cout << "network formats: " << formats << "\n";
  });
}

}  // namespace facenet::cli
