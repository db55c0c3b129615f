// ONNX writer: emits graph.h's ops with the ONNX protobuf API. Only ops OpenCV 4.6's
// importer accepts are used: ReLU6 is Relu(x) - Relu(x - 6) (Clip with min/max inputs is
// rejected) and the L2 norm is ReduceL2 + Div (LpNormalization is rejected).
#include <onnx/checker.h>
#include <onnx/onnx_pb.h>
#include <spdlog/spdlog.h>
#include <torch/torch.h>

#include "facenet/core/error.h"
#include "facenet/core/crc32c.h"
#include "facenet/core/fs.h"
#include "export_formats.h"
#include "facenet/export/export.h"
#include "facenet/models/graph.h"

namespace facenet::exporting {
// The layer graph (models/graph.h) is this file's vocabulary.
using models::build_graph;
using models::fold_batch_norms;
using models::Op;
using models::OpKind;
namespace {

class OnnxWriter {
 public:
  explicit OnnxWriter(onnx::GraphProto& g) : g_(g) {}

  std::string value(int id, int output) const {
    if (id == 0) return "input";
    if (id == output) return "embeddings";
    return "v" + std::to_string(id);
  }

  std::string initializer(const std::string& name, const torch::Tensor& t) {
    auto c = t.detach().to(torch::kCPU, torch::kFloat).contiguous();
    auto* init = g_.add_initializer();
    init->set_name(name);
    init->set_data_type(onnx::TensorProto::FLOAT);
    for (auto d : c.sizes()) init->add_dims(d);
    init->set_raw_data(std::string(static_cast<const char*>(c.data_ptr()), c.numel() * sizeof(float)));
    return name;
  }

  onnx::NodeProto* node(const std::string& type, const std::string& name, std::vector<std::string> inputs,
                        const std::string& output) {
    auto* n = g_.add_node();
    n->set_op_type(type);
    n->set_name(name);
    for (const auto& i : inputs) n->add_input(i);
    n->add_output(output);
    return n;
  }

  static void ints(onnx::NodeProto* n, const std::string& name, std::vector<int64_t> values) {
    auto* a = n->add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INTS);
    for (auto v : values) a->add_ints(v);
  }
  static void int1(onnx::NodeProto* n, const std::string& name, int64_t v) {
    auto* a = n->add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INT);
    a->set_i(v);
  }
  static void float1(onnx::NodeProto* n, const std::string& name, float v) {
    auto* a = n->add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::FLOAT);
    a->set_f(v);
  }

  void emit(const Op& op, int output) {
    std::vector<std::string> in;
    for (int v : op.inputs) in.push_back(value(v, output));
    const auto out = value(op.output, output);
    switch (op.kind) {
      case OpKind::Conv: {
        in.push_back(initializer(op.name + ".weight", op.weight));
        if (op.bias.defined()) in.push_back(initializer(op.name + ".bias", op.bias));
        auto* n = node("Conv", op.name, in, out);
        ints(n, "kernel_shape", {op.kernel[0], op.kernel[1]});
        ints(n, "strides", {op.stride[0], op.stride[1]});
        ints(n, "pads", {op.padding[0], op.padding[1], op.padding[0], op.padding[1]});
        ints(n, "dilations", {1, 1});
        int1(n, "group", op.groups);
        break;
      }
      case OpKind::BatchNorm: {
        in.push_back(initializer(op.name + ".weight", op.weight));
        in.push_back(initializer(op.name + ".bias", op.bias));
        in.push_back(initializer(op.name + ".running_mean", op.running_mean));
        in.push_back(initializer(op.name + ".running_var", op.running_var));
        float1(node("BatchNormalization", op.name, in, out), "epsilon", static_cast<float>(op.value));
        break;
      }
      case OpKind::Relu: node("Relu", op.name, in, out); break;
      case OpKind::Relu6: {
        if (!have_six_) initializer("const.six", torch::full({1}, 6.f));
        have_six_ = true;
        node("Relu", op.name + ".relu", {in[0]}, out + ".relu");
        node("Sub", op.name + ".sub6", {in[0], "const.six"}, out + ".shifted");
        node("Relu", op.name + ".relu_shifted", {out + ".shifted"}, out + ".over");
        node("Sub", op.name, {out + ".relu", out + ".over"}, out);
        break;
      }
      case OpKind::MaxPool: {
        auto* n = node("MaxPool", op.name, in, out);
        ints(n, "kernel_shape", {op.kernel[0], op.kernel[1]});
        ints(n, "strides", {op.stride[0], op.stride[1]});
        ints(n, "pads", {op.padding[0], op.padding[1], op.padding[0], op.padding[1]});
        break;
      }
      case OpKind::Concat: int1(node("Concat", op.name, in, out), "axis", 1); break;
      case OpKind::Add: node("Add", op.name, in, out); break;
      case OpKind::Scale:
        in.push_back(initializer(op.name, torch::full({1}, static_cast<float>(op.value))));
        node("Mul", op.name, in, out);
        break;
      case OpKind::GlobalPool:
        node("GlobalAveragePool", op.name, in, out + ".pooled");
        int1(node("Flatten", op.name + ".flatten", {out + ".pooled"}, out), "axis", 1);
        break;
      case OpKind::Linear: {
        in.push_back(initializer(op.name + ".weight", op.weight));
        in.push_back(initializer(op.name + ".bias", op.bias.defined() ? op.bias : torch::zeros({op.weight.size(0)})));
        int1(node("Gemm", op.name, in, out), "transB", 1);
        break;
      }
      case OpKind::PRelu:  // the slope as (C, 1, 1), broadcast over NCHW as torch's exporter writes it
        in.push_back(initializer(op.name + ".weight", op.weight.reshape({-1, 1, 1})));
        node("PRelu", op.name, in, out);
        break;
      case OpKind::Flatten: int1(node("Flatten", op.name, in, out), "axis", 1); break;
      case OpKind::L2Norm: {
        auto* r = node("ReduceL2", op.name + ".norm", in, out + ".norm");
        ints(r, "axes", {1});
        int1(r, "keepdims", 1);
        node("Div", op.name, {in[0], out + ".norm"}, out);
        break;
      }
    }
  }

 private:
  onnx::GraphProto& g_;
  bool have_six_ = false;
};

void set_shape(onnx::ValueInfoProto* v, const std::string& name, std::vector<int64_t> dims) {
  v->set_name(name);
  auto* t = v->mutable_type()->mutable_tensor_type();
  t->set_elem_type(onnx::TensorProto::FLOAT);
  auto* shape = t->mutable_shape();
  shape->add_dim()->set_dim_param("batch");  // dynamic batch dimension
  for (auto d : dims) shape->add_dim()->set_dim_value(d);
}

}  // namespace

void export_onnx(models::FaceNetImpl& model, const infer::ExportMeta& meta, const ExportConfig& config,
                 const std::string& path) {
  if (config.opset < 13 || config.opset > 17)
    throw ConfigError("export.opset: must be in [13, 17] (got " + std::to_string(config.opset) + ")");
  auto graph = build_graph(model);
  if (config.fold_bn) spdlog::info("[export] folded {} BatchNorm layers", fold_batch_norms(graph));
  export_onnx_graph(graph, meta, config, path);
}

void export_onnx_graph(const models::Graph& graph, const infer::ExportMeta& meta, const ExportConfig& config,
                       const std::string& path, const OnnxEdit& edit) {
  onnx::ModelProto proto;
  proto.set_ir_version(config.opset <= 14 ? 7 : 8);
  proto.set_producer_name("facenet-cpp");
  proto.set_producer_version(FACENET_VERSION);
  proto.set_doc_string("FaceNet embedding network: (N, 3, S, S) preprocessed images -> (N, D) unit-norm embeddings");
  auto* opset = proto.add_opset_import();
  opset->set_domain("");
  opset->set_version(config.opset);
  auto* prop = proto.add_metadata_props();
  prop->set_key("facenet.meta");
  prop->set_value(infer::meta_to_json(meta));

  auto* g = proto.mutable_graph();
  g->set_name("facenet_" + to_string(meta.backbone));
  set_shape(g->add_input(), "input", {3, meta.input_size, meta.input_size});
  set_shape(g->add_output(), "embeddings", {meta.embedding_size});
  OnnxWriter writer(*g);
  for (const auto& op : graph.ops) writer.emit(op, graph.output);
  if (edit) edit(proto);

  try {
    onnx::checker::check_model(proto);
  } catch (const std::exception& e) {
    throw Error("export: the ONNX model for '" + path + "' fails onnx::checker: " + error_message(e));
  }
  std::string bytes;
  if (!proto.SerializeToString(&bytes)) throw Error("export: cannot serialise the ONNX model for '" + path + "'");
  // The content digest load_network verifies: CRC-32C of the model serialised without it.
  auto* digest = proto.add_metadata_props();
  digest->set_key(infer::kOnnxDigestKey);
  digest->set_value(fmt::format("crc32c:{:08x}", crc32c::value(bytes)));
  if (!proto.SerializeToString(&bytes)) throw Error("export: cannot serialise the ONNX model for '" + path + "'");
  write_file_atomic(path, bytes);
  write_sidecar(path, meta);
}

void write_sidecar(const std::string& path, const infer::ExportMeta& meta) {
  write_file_atomic(path + ".json", infer::meta_to_json(meta) + "\n");
}

infer::NetworkFormat onnx_writer() {
  infer::NetworkFormat f;
  f.name = "onnx";
  f.write = [](models::FaceNetImpl& model, const infer::ExportMeta& meta, const ExportConfig& config,
               const std::string& path) {
    export_onnx(model, meta, config, path);
    return std::string();
  };
  return f;
}

}  // namespace facenet::exporting
