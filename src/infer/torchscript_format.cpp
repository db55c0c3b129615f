// TorchScript exports: a torch archive with extra/meta.json, run through the compiled CPU path.
// exporting::formats() adds the writer (src/export/torchscript_export.cpp).
#include <caffe2/serialize/inline_container.h>
#include <torch/script.h>
#include <torch/torch.h>

#include "builtin_formats.h"
#include "facenet/core/error.h"
#include "facenet/core/script_archive.h"
#include "facenet/core/zip_digest.h"
#include "facenet/infer/inference.h"

namespace facenet::infer {
namespace {

LoadedNetwork load_torchscript(const std::string& path, InferenceDtype dtype) {
  const auto precision = inference_precision(dtype, path);
  const bool intact = verify_zip(path) == DigestCheck::Intact;
  // Also for sealed files: a digest shows the bytes are the ones written, not that whoever
  // wrote them gave LibTorch's importer nothing it crashes on.
  check_torch_archive(path);
  torch::jit::ExtraFilesMap extra{{"meta.json", ""}};
  std::shared_ptr<torch::jit::Module> module;
  try {
    module = std::make_shared<torch::jit::Module>(torch::jit::load(path, torch::kCPU, extra));
  } catch (const std::exception& e) {
    throw Error("'" + path + "' is a corrupt TorchScript export: " + error_message(e).substr(0, 200));
  }
  module->eval();
  LoadedNetwork net{{}, meta_from_json(extra["meta.json"], path + " (meta.json)"), intact, precision, {}};
  net.forward = compile_for_inference(*module, precision);
  return net;
}

}  // namespace

bool is_torchscript_export(const std::string& path, const std::string& head) {
  if (!is_zip(head)) return false;
  try {
    return caffe2::serialize::PyTorchStreamReader(path).hasRecord("extra/meta.json");
  } catch (const std::exception& e) {
    throw Error("'" + path + "' is a corrupt torch archive: " + error_message(e).substr(0, 200));
  }
}

NetworkFormat torchscript_format() {
  return {"torchscript", "torchscript export", "TorchScript module, loadable by torch::jit::load and torch.jit.load",
          ".pt", is_torchscript_export, load_torchscript, /*inspect: from the metadata*/ {}, /*write: export's*/ {}};
}

}  // namespace facenet::infer
