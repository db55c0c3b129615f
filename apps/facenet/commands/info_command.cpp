#include <iostream>
#include <string>

#include "commands/common.h"
#include "facenet/core/runtime.h"
#include "facenet/detect/mtcnn.h"
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
    // What a model's data.crop may say (`facenet check MODEL` prints a model's).
    std::cout << "crop rules: margin (davidsandberg's align_dataset_mtcnn), facenet_pytorch (facenet-pytorch's "
                 "extract_face), 5point (insightface's template), none (face crops)\n";
    std::cout << "face detectors: mtcnn (weights: " << detect::default_mtcnn_dir()
              << "), haar (OpenCV cascade), yunet (--detect-model), none\n";
  });
}

}  // namespace facenet::cli
