// int8 models (facenet quantize): a TorchScript archive with extra/meta.json and
// extra/int8.json, run on LibTorch's quantized oneDNN kernels. Sniffed before the TorchScript
// row, whose signature (extra/meta.json) it also carries.
#include <caffe2/serialize/inline_container.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <torch/script.h>
#include <torch/torch.h>

#include "builtin_formats.h"
#include "facenet/core/error.h"
#include "facenet/core/script_archive.h"
#include "facenet/core/zip_digest.h"
#include "facenet/infer/int8_model.h"
#include "facenet/infer/int8_run.h"

namespace facenet::infer {
namespace {

struct Int8File {
  torch::jit::Module module;
  ExportMeta meta;
  Int8Record record;
  bool intact = false;
};

Int8File open_int8(const std::string& path, bool build) {
  Int8File f;
  f.intact = verify_zip(path) == DigestCheck::Intact;
  check_torch_archive(path);
  std::string meta_text, record_text;
  try {
    caffe2::serialize::PyTorchStreamReader reader(path);
    auto text = [&](const std::string& name) {
      auto [data, size] = reader.getRecord("extra/" + name);
      return std::string(static_cast<const char*>(data.get()), size);
    };
    meta_text = text("meta.json");
    record_text = text(kInt8RecordName);
  } catch (const std::exception& e) {
    throw Error("'" + path + "' is a corrupt int8 model: " + error_message(e).substr(0, 200));
  }
  f.meta = meta_from_json(meta_text, path + " (meta.json)");
  f.record = int8_record_from_json(record_text, path + " (" + kInt8RecordName + ")");
  if (!build) return f;
  use_int8_engine("'" + path + "' is an int8 model");  // its packed weights are re-packed on load
  try {
    f.module = torch::jit::load(path, torch::kCPU);
  } catch (const std::exception& e) {
    throw Error("'" + path + "' is a corrupt int8 model: " + error_message(e).substr(0, 200));
  }
  f.module.eval();
  return f;
}

LoadedNetwork load_int8(const std::string& path, InferenceDtype dtype) {
  auto f = open_int8(path, true);
  if (dtype != InferenceDtype::FP32 && dtype != InferenceDtype::Auto)
    spdlog::info("[infer] runtime.inference_dtype {} does not apply to {}: an int8 model runs int8", to_string(dtype), path);
  LoadedNetwork net{{}, f.meta, f.intact, Precision::FP32, {}};
  net.forward = int8_inference_fn(f.module);
  spdlog::info("[infer] {}: int8 ({} of {} layers int8, oneDNN)", path, f.record.int8_ops.size(),
               f.record.int8_ops.size() + f.record.fp32_ops.size());
  return net;
}

Inspection inspect_int8(const std::string& path) {
  const auto f = open_int8(path, false);
  const auto& r = f.record;
  Inspection out{f.meta, f.intact, {}};
  out.facts.emplace_back("precision", "int8 (" + r.engine + ")");
  out.facts.emplace_back("int8 layers", fmt::format("{} of {}", r.int8_ops.size(), r.int8_ops.size() + r.fp32_ops.size()));
  out.facts.emplace_back("fp32 layers", fmt::format("{}", fmt::join(r.fp32_ops, ", ")));
  out.facts.emplace_back("calibration", fmt::format("{} images ({} skipped) from {}, {} observer", r.calibration_images,
                                                     r.skipped_images, r.calibration_dir, r.observer));
  out.facts.emplace_back("quantized from", r.source);
  out.facts.emplace_back("threshold", fmt::format("{:.4f}", f.meta.threshold) +
                                          (r.fp32_threshold > 0 ? fmt::format(" (re-measured; fp32 {:.4f})", r.fp32_threshold) : ""));
  return out;
}

bool is_int8_model(const std::string& path, const std::string& head) {
  if (!is_zip(head)) return false;
  try {
    return caffe2::serialize::PyTorchStreamReader(path).hasRecord(std::string("extra/") + kInt8RecordName);
  } catch (const std::exception& e) {
    throw Error("'" + path + "' is a corrupt torch archive: " + error_message(e).substr(0, 200));
  }
}

}  // namespace

InferenceFn int8_inference_fn(const torch::jit::Module& module) {
  auto m = std::make_shared<torch::jit::Module>(module.clone());
  m->eval();
  try {
    *m = torch::jit::freeze(*m);
  } catch (const std::exception& e) {
    spdlog::debug("[infer] int8 module not frozen: {}", error_message(e).substr(0, 200));
  }
  return [m](const torch::Tensor& x) {
    torch::NoGradGuard no_grad;
    auto in = x.to(torch::kCPU, torch::kFloat).contiguous(torch::MemoryFormat::ChannelsLast);
    return m->forward({in}).toTensor().contiguous();
  };
}

NetworkFormat int8_format() {
  return {"int8",
          "int8 model",
          "int8 TorchScript (facenet quantize): LibTorch's quantized oneDNN kernels; eval, embed, ... read it",
          ".pt",
          is_int8_model,
          load_int8,
          inspect_int8,
          /*write: facenet quantize*/ {}};
}

}  // namespace facenet::infer
