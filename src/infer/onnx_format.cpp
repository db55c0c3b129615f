// ONNX exports, run by OpenCV DNN (fp32), and foreign ONNX face models (no facenet metadata,
// the preprocessing stated by the user: infer/foreign.h). exporting::formats() adds the writer
// (src/export/onnx_export.cpp).
#include <fmt/format.h>
#include <onnx/onnx_pb.h>
#include <spdlog/spdlog.h>
#include <torch/torch.h>

#include <fstream>
#include <opencv2/dnn.hpp>
#include <set>

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

onnx::ModelProto read_proto(const std::string& path) {
  onnx::ModelProto proto;
  std::ifstream in(path, std::ios::binary);
  if (!proto.ParseFromIstream(&in) || !proto.has_graph())
    throw Error("'" + path + "' is not a facenet model (not a readable ONNX model)");
  return proto;
}

std::string facenet_meta(const onnx::ModelProto& proto) {
  for (const auto& p : proto.metadata_props())
    if (p.key() == "facenet.meta") return p.value();
  return "";
}

/// The graph's image input: its name and dims (-1 where dynamic: a dim_param or no value).
struct ImageInput {
  std::string name;
  std::vector<int64_t> dims;
  int64_t side = 0;  ///< the fixed H (= W), 0 when the model leaves it dynamic
};

std::string shape_text(const std::vector<int64_t>& dims) {
  std::string out;
  for (auto d : dims) out += (out.empty() ? "" : "x") + (d < 0 ? std::string("?") : std::to_string(d));
  return out.empty() ? "a scalar" : out;
}

/// The one input that is not a weight (older exporters list initializers as inputs too),
/// checked to be N x 3 x S x S (a dynamic dim fits any value).
ImageInput image_input(const onnx::ModelProto& proto, const std::string& path) {
  const auto& graph = proto.graph();
  std::set<std::string> weights;
  for (const auto& init : graph.initializer()) weights.insert(init.name());
  std::vector<const onnx::ValueInfoProto*> inputs;
  for (const auto& in : graph.input())
    if (!weights.count(in.name())) inputs.push_back(&in);
  if (inputs.size() != 1)
    throw Error(fmt::format("'{}' has {} inputs: a face model takes one image batch", path, inputs.size()));
  ImageInput input;
  input.name = inputs[0]->name();
  const auto& type = inputs[0]->type();
  if (!type.has_tensor_type() || !type.tensor_type().has_shape())
    throw Error("'" + path + "': input '" + input.name + "' declares no tensor shape: not a face model (N x 3 x S x S)");
  for (const auto& d : type.tensor_type().shape().dim())
    input.dims.push_back(d.has_dim_value() && d.dim_value() > 0 ? d.dim_value() : -1);
  const auto& dims = input.dims;
  const bool square = dims.size() == 4 && (dims[1] < 0 || dims[1] == 3) &&
                      (dims[2] < 0 || dims[3] < 0 || dims[2] == dims[3]);
  if (!square)
    throw Error(fmt::format("'{}': input '{}' is {}, not a 3-channel square image batch (N x 3 x S x S)", path,
                            input.name, shape_text(dims)));
  input.side = dims[2] > 0 ? dims[2] : std::max<int64_t>(dims[3], 0);
  return input;
}

std::shared_ptr<cv::dnn::Net> read_net(const std::string& path) {
  auto net = std::make_shared<cv::dnn::Net>();
  try {
    *net = cv::dnn::readNetFromONNX(path);
  } catch (const cv::Exception& e) {
    throw Error("'" + path + "': OpenCV DNN cannot load this ONNX model: " + error_message(e).substr(0, 200));
  }
  return net;
}

/// (N, 3, S, S) -> the net's (N, D) output.
torch::Tensor run_net(cv::dnn::Net& net, const torch::Tensor& x) {
  auto in = x.to(torch::kCPU, torch::kFloat).contiguous();
  const int dims[4] = {int(in.size(0)), int(in.size(1)), int(in.size(2)), int(in.size(3))};
  cv::Mat blob(4, dims, CV_32F, in.data_ptr<float>());
  net.setInput(blob);
  cv::Mat out = net.forward();
  const int64_t rows = out.dims > 0 ? out.size[0] : 0;
  if (rows != in.size(0) || out.total() == 0 || out.total() % static_cast<size_t>(rows) != 0)
    throw Error(fmt::format("the network gave {} rows for a batch of {}", rows, in.size(0)));
  const int64_t cols = static_cast<int64_t>(out.total()) / rows;
  return torch::from_blob(out.ptr<float>(), {rows, cols}, torch::kFloat).clone();
}

LoadedNetwork load_onnx(const std::string& path, InferenceDtype dtype) {
  auto proto = read_proto(path);
  if (dtype != InferenceDtype::FP32)
    spdlog::info("[infer] runtime.inference_dtype {}: {} is ONNX, run by OpenCV DNN in fp32", to_string(dtype), path);
  const auto meta_json = facenet_meta(proto);
  if (meta_json.empty()) {
    // A foreign model: its input is checked first, then the statement it lacks is named.
    const auto input = image_input(proto, path);
    resolve_foreign({}, input.side, 0, path);
  }
  auto net_ptr = read_net(path);
  LoadedNetwork net{{}, meta_from_json(meta_json, path + " (facenet.meta)"), verify_onnx_digest(path, proto),
                    Precision::FP32, {}};
  net.forward = [net_ptr](const torch::Tensor& x) { return run_net(*net_ptr, x); };
  return net;
}

// A model facenet did not export, fed as stated. Its raw features are L2-normalised here (our
// exports end with the normalisation; insightface's and SFace's do not). A model whose graph
// fixes the batch at 1 runs image by image.
LoadedNetwork load_foreign_onnx(const std::string& path, const PreprocessStatement& stated) {
  const auto proto = read_proto(path);
  if (!facenet_meta(proto).empty())
    throw Error("'" + path + "' is a facenet export (it carries its own preprocessing): drop --input-size, --input-mean, "
                "--input-std, --channel-order, --crop and --preprocess" +
                (stated.file.empty() ? std::string() : ", and the sidecar '" + stated.file + "'"));
  const auto input = image_input(proto, path);
  auto meta = resolve_foreign(stated, input.side, 0, path);
  auto net_ptr = read_net(path);
  const bool one_at_a_time = input.dims[0] == 1;
  auto forward = [net_ptr, one_at_a_time](const torch::Tensor& x) {
    torch::Tensor raw;
    if (!one_at_a_time || x.size(0) == 1) {
      raw = run_net(*net_ptr, x);
    } else {
      std::vector<torch::Tensor> rows;
      for (int64_t i = 0; i < x.size(0); ++i) rows.push_back(run_net(*net_ptr, x.narrow(0, i, 1)));
      raw = torch::cat(rows);
    }
    return raw / raw.norm(2, 1, true).clamp_min(1e-12);
  };
  // One blank image tells the embedding size and that OpenCV runs the model at the stated size.
  try {
    meta.embedding_size = forward(torch::zeros({1, 3, meta.input_size, meta.input_size})).size(1);
  } catch (const std::exception& e) {
    throw Error(fmt::format("'{}': OpenCV DNN cannot run it on a 1x3x{}x{} input (input '{}' is {}): {}", path,
                            meta.input_size, meta.input_size, input.name, shape_text(input.dims),
                            error_message(e).substr(0, 200)));
  }
  spdlog::info("[infer] {}: {}, input '{}' {} fed {} px, {}-d", path, meta.foreign, input.name, shape_text(input.dims),
               meta.input_size, meta.embedding_size);
  return {{}, std::move(meta), /*digest_verified: a foreign file has none*/ false, Precision::FP32, std::move(forward)};
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
          ".onnx", is_onnx_model, load_onnx, /*inspect: from the metadata*/ {}, /*write: export's*/ {},
          load_foreign_onnx};
}

}  // namespace facenet::infer
