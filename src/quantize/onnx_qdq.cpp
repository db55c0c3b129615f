#include "facenet/quantize/onnx_qdq.h"

#include <onnx/onnx_pb.h>
#include <torch/torch.h>

#include <map>
#include <set>

#include "facenet/core/error.h"
#include "facenet/export/export.h"

namespace facenet::quantize {
namespace {

std::string value_name(int id, int output) {  // as export_onnx_graph names values
  if (id == 0) return "input";
  if (id == output) return "embeddings";
  return "v" + std::to_string(id);
}

void add_initializer(onnx::GraphProto& g, const std::string& name, const torch::Tensor& t, int type) {
  auto c = t.contiguous();
  auto* init = g.add_initializer();
  init->set_name(name);
  init->set_data_type(type);
  for (auto d : c.sizes()) init->add_dims(d);
  init->set_raw_data(std::string(static_cast<const char*>(c.data_ptr()), c.numel() * c.element_size()));
}

onnx::NodeProto make_node(const std::string& type, const std::string& name, std::vector<std::string> inputs,
                          const std::string& output) {
  onnx::NodeProto n;
  n.set_op_type(type);
  n.set_name(name);
  for (const auto& i : inputs) n.add_input(i);
  n.add_output(output);
  return n;
}

void edit_to_qdq(onnx::ModelProto& proto, const models::Graph& graph, const std::vector<QParams>& qparams,
                 const Int8Module& module) {
  auto& g = *proto.mutable_graph();
  std::vector<onnx::NodeProto> front;  // weight dequantizers, then the input's pair
  // Weights: "<op>.weight" float -> int8 initializer + per-channel scale + zero point -> DequantizeLinear.
  const std::set<std::string> int8_ops(module.int8_ops.begin(), module.int8_ops.end());
  for (const auto& op : graph.ops) {
    if (!int8_ops.count(op.name)) continue;
    const auto w = op.weight.to(torch::kFloat).contiguous();
    const auto scales = weight_scales(w);
    const auto q = torch::quantize_per_channel(w, scales, torch::zeros({w.size(0)}, torch::kLong), 0, torch::kQInt8);
    const auto name = op.name + ".weight";
    auto* inits = g.mutable_initializer();
    for (int i = 0; i < inits->size(); ++i)
      if (inits->Get(i).name() == name) {
        inits->DeleteSubrange(i, 1);
        break;
      }
    add_initializer(g, name + ".int8", q.int_repr(), onnx::TensorProto::INT8);
    add_initializer(g, name + ".scale", scales.to(torch::kFloat), onnx::TensorProto::FLOAT);
    add_initializer(g, name + ".zero_point", torch::zeros({w.size(0)}, torch::kInt8), onnx::TensorProto::INT8);
    auto dq = make_node("DequantizeLinear", name + ".dequantize", {name + ".int8", name + ".scale", name + ".zero_point"}, name);
    auto* axis = dq.add_attribute();
    axis->set_name("axis");
    axis->set_type(onnx::AttributeProto::INT);
    axis->set_i(0);
    front.push_back(dq);
  }
  // Activations: after the value's producer, Q -> DQ; its consumers read the DQ output.
  std::map<std::string, std::pair<onnx::NodeProto, onnx::NodeProto>> pairs;
  std::map<std::string, std::string> renamed;
  for (int v : module.int8_values) {
    const auto name = value_name(v, graph.output);
    const auto& qp = qparams[v];
    add_initializer(g, name + ".scale", torch::tensor({static_cast<float>(qp.scale)}).reshape({}), onnx::TensorProto::FLOAT);
    add_initializer(g, name + ".zero_point", torch::tensor({static_cast<uint8_t>(qp.zero_point)}, torch::kUInt8).reshape({}),
                    onnx::TensorProto::UINT8);
    pairs[name] = {make_node("QuantizeLinear", name + ".quantize", {name, name + ".scale", name + ".zero_point"}, name + ".q"),
                   make_node("DequantizeLinear", name + ".dequantize", {name + ".q", name + ".scale", name + ".zero_point"},
                             name + ".dq")};
    renamed[name] = name + ".dq";
  }
  std::vector<onnx::NodeProto> nodes(g.node().begin(), g.node().end());
  g.clear_node();
  for (auto& n : front) *g.add_node() = n;
  auto emit_pair = [&](const std::string& value) {
    auto it = pairs.find(value);
    if (it == pairs.end()) return;
    *g.add_node() = it->second.first;
    *g.add_node() = it->second.second;
  };
  emit_pair("input");
  for (auto& n : nodes) {
    for (int i = 0; i < n.input_size(); ++i) {
      auto it = renamed.find(n.input(i));
      if (it != renamed.end()) n.set_input(i, it->second);
    }
    *g.add_node() = n;
    for (const auto& out : n.output()) emit_pair(out);
  }
  proto.set_doc_string(proto.doc_string() + " (int8 QDQ: facenet quantize)");
}

}  // namespace

void write_qdq_onnx(const models::Graph& graph, const std::vector<QParams>& qparams, const Int8Module& module,
                    const infer::ExportMeta& meta, const std::string& path) {
  ExportConfig config;
  config.opset = 13;
  exporting::export_onnx_graph(graph, meta, config, path,
                               [&](onnx::ModelProto& proto) { edit_to_qdq(proto, graph, qparams, module); });
}

}  // namespace facenet::quantize
