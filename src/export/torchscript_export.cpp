// TorchScript export: the network's layer graph as a script module (models/graph.h,
// to_script_module) saved with its metadata. No tracing, no Python.
#include <fmt/format.h>
#include <torch/script.h>
#include <torch/torch.h>

#include "facenet/core/error.h"
#include "facenet/core/script_file.h"
#include "export_formats.h"
#include "facenet/export/export.h"
#include "facenet/models/graph.h"

namespace facenet::exporting {
// The layer graph (models/graph.h) is this file's vocabulary.
using models::build_graph;
using models::Graph;
using models::to_script_module;
void export_torchscript(models::FaceNetImpl& model, const infer::ExportMeta& meta, const std::string& path) {
  torch::jit::Module m;
  try {
    m = to_script_module(build_graph(model));
  } catch (const std::exception& e) {
    throw Error("export: TorchScript compilation failed for '" + path + "': " + error_message(e).substr(0, 500));
  }
  const auto json = infer::meta_to_json(meta);
  m.register_attribute("facenet_meta", c10::StringType::get(), json);
  torch::jit::ExtraFilesMap extra{{"meta.json", json}};
  save_sealed_script(m, extra, path);
}

infer::NetworkFormat torchscript_writer() {
  infer::NetworkFormat f;
  f.name = "torchscript";
  f.write = [](models::FaceNetImpl& model, const infer::ExportMeta& meta, const ExportConfig&, const std::string& path) {
    export_torchscript(model, meta, path);
    return std::string();
  };
  return f;
}

}  // namespace facenet::exporting
