#include <iostream>
#include <memory>

#include "commands/common.h"
#include "facenet/tasks/quantize.h"

namespace facenet::cli {

void register_quantize(CLI::App& app) {
  auto* cmd = app.add_subcommand("quantize", "Post-training int8 quantization of a checkpoint (LibTorch oneDNN kernels)");
  auto o = std::make_shared<tasks::QuantizeOptions>();
  auto keep = std::make_shared<std::vector<std::string>>();
  auto threads = std::make_shared<int64_t>(0);
  add_threads_option(cmd, *threads);
  cmd->add_option("--model", o->model, "Checkpoint to quantize (facenet train or facenet import)")->required();
  cmd->add_option("--calibrate", o->calibrate, "Folder of face crops to calibrate on (any depth)")->required();
  cmd->add_option("--out", o->out, "The int8 model file (.pt)")->required();
  cmd->add_option("--images", o->images, "Calibration images used at most, sorted by path (0 = all)")
      ->capture_default_str();
  cmd->add_option("--observer", o->observer, "minmax | histogram (99.99% percentile range)")->capture_default_str();
  auto* keep_opt = cmd->add_option("--keep-fp32", *keep,
                                   "Convolution/linear layers kept fp32, by name, comma-separated ('' = none; "
                                   "default: the first convolution and last_linear)")
                       ->delimiter(',')
                       ->expected(0, -1);
  cmd->add_option("--pairs", o->pairs, "LFW-format pairs file: fp32 vs int8 accuracy, AUC, cosine, per-layer table");
  cmd->add_option("--pairs-dir", o->pairs_dir, "Folder of the pairs' images (default: the pairs file's folder)");
  cmd->add_option("--onnx", o->onnx, "Also write the int8 network as a QDQ ONNX graph (opset 13) to this file");
  cmd->add_option("--sensitivity-images", o->sensitivity_images,
                  "Calibration images the per-layer table uses (0 = no table)")
      ->capture_default_str();
  cmd->callback([o, keep, keep_opt, threads] {
    use_threads(*threads);
    if (keep_opt->count() > 0) {
      std::vector<std::string> names;
      for (const auto& n : *keep)
        if (!n.empty()) names.push_back(n);
      o->keep_fp32 = names;
    }
    std::cout << tasks::run_quantize(*o);
  });
}

}  // namespace facenet::cli
