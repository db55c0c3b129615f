// TorchScript export: the network's layer graph as a script module (models/graph.h,
// to_script_module) saved with its metadata. No tracing, no Python.
#include <fmt/format.h>
#include <torch/script.h>
#include <torch/torch.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "facenet/core/error.h"
#include "facenet/core/fs.h"
#include "facenet/core/zip_digest.h"
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
  // Serialised in memory first: LibTorch's file writer throws from a destructor when a write
  // fails; our own write reports a full disk cleanly.
  std::stringstream bytes;  // read back below, so in and out
  m.save(bytes, extra);
  write_atomic_with(path, [&](const std::string& tmp) {
    std::ofstream out(tmp, std::ios::binary);
    out << bytes.rdbuf();
    out.flush();
    if (!out) throw Error(errno ? std::strerror(errno) : "write failed");
    out.close();
    seal_zip(tmp);  // the content digest load_network verifies
  });
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
