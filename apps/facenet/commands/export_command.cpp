#include <iostream>
#include <optional>

#include "commands/common.h"
#include "facenet/core/config_yaml.h"
#include "facenet/core/error.h"
#include "facenet/tasks/exporter.h"

namespace facenet::cli {

void register_export(CLI::App& app) {
  auto* cmd = app.add_subcommand("export", "Export a checkpoint's embedding network: onnx | torchscript | state-dict");
  // Each flag sets one field of the loaded config (after --config and --set); unset: the config's.
  struct Options {
    ConfigOptions config;
    std::string checkpoint, out;
    std::optional<ExportFormat> format;
    std::optional<std::string> layout;
    std::optional<int64_t> opset;
    bool no_fold_bn = false;
  };
  auto o = std::make_shared<Options>();
  cmd->add_option("--checkpoint", o->checkpoint, "Checkpoint to export")->required();
  add_choice_option<ExportFormat>(cmd, "--format", o->format, "onnx | torchscript | state-dict (export.format)");
  cmd->add_option("--out", o->out, "Output file (ONNX also writes <out>.json)")->required();
  cmd->add_option("--layout", o->layout, "state-dict key layout: facenet-pytorch | seed (export.layout)");
  cmd->add_option("--opset", o->opset, "ONNX opset, 13..17 (export.opset)");
  cmd->add_flag("--no-fold-bn", o->no_fold_bn, "Keep BatchNormalization nodes in the ONNX graph");
  o->config.add_to(cmd);
  cmd->callback([o] {
    auto config = o->config.load();
    assign_if(config.export_.format, o->format);
    assign_if(config.export_.layout, o->layout);
    assign_if(config.export_.opset, o->opset);
    if (o->no_fold_bn) config.export_.fold_bn = false;
    validate(config);  // the flags' values, by the rules --set values meet
    start_runtime(config);
    std::cout << tasks::run_export(o->checkpoint, config.export_, o->out) << "\n";
  });
}

void register_import(CLI::App& app) {
  auto* cmd = app.add_subcommand("import", "Import a PyTorch state dict (facenet-pytorch InceptionResnetV1) as a checkpoint");
  struct Options {
    std::string layout = "facenet-pytorch", file, out;
  };
  auto o = std::make_shared<Options>();
  cmd->add_option("--layout", o->layout, "Key layout of FILE (facenet-pytorch)")->capture_default_str();
  cmd->add_option("file", o->file, "State dict saved by torch.save")->required();
  cmd->add_option("--out", o->out, "Checkpoint to write")->required();
  cmd->callback([o] { std::cout << tasks::run_import(o->layout, o->file, o->out) << "\n"; });
}

}  // namespace facenet::cli
