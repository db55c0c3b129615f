#include <algorithm>
#include <iostream>
#include <optional>
#include <string>
#include <utility>

#include "commands/common.h"
#include "facenet/core/config_yaml.h"
#include "facenet/core/error.h"
#include "facenet/tasks/exporter.h"

namespace facenet::cli {

namespace {

// The formats `facenet export` writes, from the network-format table: "a | b | c", and one
// "  name  description" line each for the help's footer. Reading the table here, at start-up,
// also registers export's rows for every command (exporting::formats()).
std::pair<std::string, std::string> written_formats() {
  const auto formats = tasks::list_formats();
  size_t width = 0;
  for (const auto& f : formats) width = std::max(width, f.name.size());
  std::string names, lines;
  for (const auto& f : formats) {
    if (!f.writes) continue;
    names += (names.empty() ? "" : " | ") + f.name;
    lines += "\n  " + f.name + std::string(width + 2 - f.name.size(), ' ') + f.description;
  }
  return {names, lines};
}

}  // namespace

void register_export(CLI::App& app) {
  const auto [formats, descriptions] = written_formats();
  auto* cmd = app.add_subcommand("export", "Export a checkpoint's embedding network: " + formats);
  cmd->footer("Formats (export.format):" + descriptions);
  // Each flag sets one field of the loaded config (after --config and --set); unset: the config's.
  struct Options {
    ConfigOptions config;
    std::string checkpoint, out;
    std::optional<std::string> format;
    std::optional<std::string> layout;
    std::optional<int64_t> opset;
    bool no_fold_bn = false;
  };
  auto o = std::make_shared<Options>();
  cmd->add_option("--checkpoint", o->checkpoint, "Checkpoint to export")->required();
  cmd->add_option("--format", o->format, formats + " (export.format)");
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
  auto* cmd = app.add_subcommand(
      "import", "Import a PyTorch state dict (facenet-pytorch's InceptionResnetV1, insightface's backbone.pth) as a checkpoint");
  struct Options {
    std::string layout = "facenet-pytorch", file, out, backbone;
  };
  auto o = std::make_shared<Options>();
  cmd->add_option("--layout", o->layout, "Key layout of FILE: facenet-pytorch or insightface")->capture_default_str();
  cmd->add_option("--backbone", o->backbone,
                  "insightface layout: the network (r18, r34, r50, r100, r200, mbf); default: read from the keys");
  cmd->add_option("file", o->file, "State dict saved by torch.save")->required();
  cmd->add_option("--out", o->out, "Checkpoint to write")->required();
  cmd->callback([o] { std::cout << tasks::run_import(o->layout, o->file, o->out, o->backbone) << "\n"; });
}

}  // namespace facenet::cli
