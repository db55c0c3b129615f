// ONNX exports, run by OpenCV DNN (fp32). exporting::formats() adds the writer
// (src/export/onnx_export.cpp).
#include <fmt/format.h>
#include <onnx/onnx_pb.h>
#include <spdlog/spdlog.h>
#include <torch/torch.h>

#include <fstream>
#include <opencv2/dnn.hpp>

#include "builtin_formats.h"
#include "facenet/core/crc32c.h"
#include "facenet/core/error.h"

namespace facenet::infer {
namespace {

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

LoadedNetwork load_onnx(const std::string& path, InferenceDtype dtype) {
  onnx::ModelProto proto;
  {
    std::ifstream in(path, std::ios::binary);
    if (!proto.ParseFromIstream(&in) || !proto.has_graph())
      throw Error("'" + path + "' is not a facenet model (not a readable ONNX model)");
  }
  if (dtype != InferenceDtype::FP32)
    spdlog::info("[infer] runtime.inference_dtype {}: {} is ONNX, run by OpenCV DNN in fp32", to_string(dtype), path);
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
  LoadedNetwork net{{}, meta_from_json(meta_json, path + " (facenet.meta)"), verify_onnx_digest(path, proto),
                    Precision::FP32, {}};
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

// A serialised ModelProto starts with its fields in number order: ir_version (field 1, varint:
// tag 0x08) with a one-byte value, then the tag of a later field (producer_name, graph, ...:
// field number 2 or more, varint or length-delimited).
bool is_onnx_model(const std::string&, const std::string& head) {
  if (head.size() < 3 || head[0] != '\x08') return false;
  const auto ir_version = static_cast<unsigned char>(head[1]);
  const auto tag = static_cast<unsigned char>(head[2]);
  return ir_version >= 1 && ir_version < 0x80 && (tag >> 3) >= 2 && ((tag & 7) == 0 || (tag & 7) == 2);
}

}  // namespace

NetworkFormat onnx_format() {
  return {"onnx", "onnx export", "ONNX model (export.opset 13-17), run by OpenCV DNN; its metadata also in <out>.json",
          ".onnx", is_onnx_model, load_onnx, /*inspect: from the metadata*/ {}, /*write: export's*/ {}};
}

}  // namespace facenet::infer
