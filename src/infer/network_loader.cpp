#include "facenet/infer/network_loader.h"

#include <caffe2/serialize/inline_container.h>
#include <fmt/format.h>
#include <onnx/onnx_pb.h>
#include <torch/script.h>
#include <torch/torch.h>

#include <filesystem>
#include <fstream>
#include <opencv2/dnn.hpp>
#include <spdlog/spdlog.h>

#include "facenet/core/crc32c.h"
#include "facenet/core/error.h"
#include "facenet/core/precision.h"
#include "facenet/core/script_archive.h"
#include "facenet/core/zip_digest.h"
#include "facenet/data/preprocess.h"
#include "facenet/infer/inference.h"
#include "facenet/models/facenet.h"
#include "facenet/checkpoint/checkpoint.h"

namespace facenet::infer {
namespace {

std::string head_bytes(const std::string& path, size_t n) {
  std::ifstream in(path, std::ios::binary);
  std::string s(n, '\0');
  in.read(s.data(), static_cast<std::streamsize>(n));
  s.resize(static_cast<size_t>(in.gcount()));
  return s;
}

LoadedNetwork load_torchscript(const std::string& path, Precision precision) {
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
  LoadedNetwork net{ModelKind::TorchScript, meta_from_json(extra["meta.json"], path + " (meta.json)"), intact, {}};
  net.precision = precision;
  net.forward = compile_for_inference(*module, precision);
  return net;
}

LoadedNetwork load_checkpoint_network(const std::string& path, Precision precision) {
  const auto checkpoint = Checkpoint::open(path);
  LoadedNetwork net{ModelKind::Checkpoint, meta_from_checkpoint(checkpoint), checkpoint.digest_verified(), {}};
  auto model = models::make_model(checkpoint.info().config.model);
  checkpoint.load_into(*model);
  model->eval();
  net.precision = precision;
  net.forward = compile_for_inference(*model, precision);
  return net;
}

/// True when the model's digest matches; false when it has none (an older export); throws
/// naming the file when it does not match.
bool verify_onnx_digest(const std::string& path, onnx::ModelProto proto) {
  auto* props = proto.mutable_metadata_props();
  std::string recorded;
  for (int i = 0; i < props->size(); ++i)
    if (props->Get(i).key() == kOnnxDigestKey) {
      recorded = props->Get(i).value();
      props->DeleteSubrange(i, 1);
      break;
    }
  if (recorded.empty()) return false;
  std::string bytes;
  proto.SerializeToString(&bytes);
  const auto actual = fmt::format("crc32c:{:08x}", crc32c::value(bytes));
  if (actual != recorded)
    throw Error("'" + path + "' is damaged: its content digest does not match (" + actual + ", recorded " + recorded +
                "); the file was altered after it was exported (disk or copy error). Use another copy");
  return true;
}

LoadedNetwork load_onnx(const std::string& path, const onnx::ModelProto& proto) {
  std::string meta_json;
  for (const auto& p : proto.metadata_props())
    if (p.key() == "facenet.meta") meta_json = p.value();
  if (meta_json.empty()) throw Error("'" + path + "' is an ONNX model without facenet metadata (not a facenet export)");
  auto net_ptr = std::make_shared<cv::dnn::Net>();
  try {
    *net_ptr = cv::dnn::readNetFromONNX(path);
  } catch (const cv::Exception& e) {
    throw Error("'" + path + "': OpenCV DNN cannot load this ONNX model: " + error_message(e).substr(0, 200));
  }
  LoadedNetwork net{ModelKind::ONNX, meta_from_json(meta_json, path + " (facenet.meta)"), verify_onnx_digest(path, proto),
                    {}};
  net.forward = [net_ptr](const torch::Tensor& x) {
    auto in = x.to(torch::kCPU, torch::kFloat).contiguous();
    const int dims[4] = {int(in.size(0)), int(in.size(1)), int(in.size(2)), int(in.size(3))};
    cv::Mat blob(4, dims, CV_32F, in.data_ptr<float>());
    net_ptr->setInput(blob);
    cv::Mat out = net_ptr->forward();
    return torch::from_blob(out.ptr<float>(), {out.size[0], out.size[1]}, torch::kFloat).clone();
  };
  return net;
}

}  // namespace

LoadedNetwork load_network(const std::string& path, InferenceDtype dtype) {
  if (!std::filesystem::is_regular_file(path)) throw Error("model file '" + path + "' does not exist");
  const auto magic = head_bytes(path, 4);
  if (magic == std::string("PK\x03\x04", 4)) {
    bool is_export = false;
    try {
      caffe2::serialize::PyTorchStreamReader reader(path);
      is_export = reader.hasRecord("extra/meta.json");
    } catch (const std::exception& e) {
      throw Error("'" + path + "' is a corrupt torch archive: " + error_message(e).substr(0, 200));
    }
    auto precision = Precision::FP32;
    if (dtype != InferenceDtype::FP32) {
      const auto caps = device_caps(c10::DeviceType::CPU);
      precision = resolve_inference_precision(dtype, caps);
      const auto level = bf16_slower_here(precision, caps) ? spdlog::level::warn : spdlog::level::info;
      spdlog::log(level, "[infer] runtime.inference_dtype {}: {} runs in {} ({})", to_string(dtype), path,
                  to_string(precision), bf16_speed_note(caps));
    }
    return is_export ? load_torchscript(path, precision) : load_checkpoint_network(path, precision);
  }
  onnx::ModelProto proto;
  {
    std::ifstream in(path, std::ios::binary);
    if (!proto.ParseFromIstream(&in) || !proto.has_graph())
      throw Error("'" + path + "' is not a facenet model (expected a TorchScript export, a checkpoint or an ONNX export)");
  }
  if (dtype != InferenceDtype::FP32)
    spdlog::info("[infer] runtime.inference_dtype {}: {} is ONNX, run by OpenCV DNN in fp32", to_string(dtype), path);
  return load_onnx(path, proto);
}

EmbeddingNetwork load_embedding_network(const std::string& path, int threads, InferenceDtype dtype) {
  auto net = std::make_shared<LoadedNetwork>(load_network(path, dtype));
  EmbeddingNetwork out;
  out.meta = net->meta;
  out.preprocess = net->meta.preprocess;
  out.embed = [net, threads](const std::vector<std::string>& paths, bool flipped) {
    return net->forward(data::load_images(paths, net->meta.preprocess, flipped, threads));
  };
  out.embed_bytes = [net, threads](const std::vector<std::string>& encoded, bool flipped) {
    return net->forward(data::decode_images(encoded, net->meta.preprocess, flipped, threads));
  };
  return out;
}

}  // namespace facenet::infer
