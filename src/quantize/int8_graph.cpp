#include "facenet/quantize/int8_graph.h"

#include <ATen/core/dispatch/Dispatcher.h>
#include <fmt/format.h>
#include <torch/csrc/jit/frontend/resolver.h>
#include <torch/csrc/jit/frontend/sugared_value.h>
#include <torch/torch.h>

#include <algorithm>
#include <map>
#include <sstream>

#include "facenet/core/error.h"
#include "facenet/infer/int8_model.h"

namespace facenet::quantize {
using models::Graph;
using models::Op;
using models::OpKind;
namespace {

// Module::define's default resolver knows `torch` (aten) only; the quantized kernels are
// `ops.quantized.*`, the spelling LibTorch's own serialised code uses for them.
struct OpsNamespace : torch::jit::SugaredValue {
  std::string kind() const override { return "ops"; }
  std::shared_ptr<torch::jit::SugaredValue> attr(const torch::jit::SourceRange&, torch::jit::GraphFunction&,
                                                 const std::string& field) override {
    return std::make_shared<torch::jit::BuiltinModule>(field);
  }
};

struct QuantizedResolver : torch::jit::NativeResolver {
  std::shared_ptr<torch::jit::SugaredValue> resolveValue(const std::string& name, torch::jit::GraphFunction& m,
                                                         const torch::jit::SourceRange& loc) override {
    if (name == "ops") return std::make_shared<OpsNamespace>();
    return NativeResolver::resolveValue(name, m, loc);
  }
};

c10::List<int64_t> ints(const std::array<int64_t, 2>& a) { return c10::List<int64_t>({a[0], a[1]}); }

// A quantized op called through the dispatcher, as TorchScript would call it.
c10::IValue call(const char* name, torch::jit::Stack stack) {
  const auto op = c10::Dispatcher::singleton().findSchemaOrThrow(name, "");
  op.callBoxed(&stack);
  return stack.at(0);
}

torch::Tensor int8_weight(const torch::Tensor& w) {
  const auto scales = weight_scales(w);
  const auto zero_points = torch::zeros({w.size(0)}, torch::kLong);
  return torch::quantize_per_channel(w.to(torch::kFloat).contiguous(), scales, zero_points, 0, torch::kQInt8);
}

c10::IValue packed_weight(const Op& op) {
  const auto qw = int8_weight(op.weight);
  const c10::optional<torch::Tensor> bias =
      op.bias.defined() ? c10::optional<torch::Tensor>(op.bias.to(torch::kFloat)) : c10::nullopt;
  if (op.kind == OpKind::Linear) return call("quantized::linear_prepack", {qw, bias});
  return call("quantized::conv2d_prepack", {qw, bias, ints(op.stride), ints(op.padding), ints({1, 1}), op.groups});
}

// Writes the forward: each value has an fp32 name (x, v<id>) and, once quantized, q<id>.
class Int8Writer {
 public:
  Int8Writer(const Graph& graph, const std::vector<QParams>& qparams, const std::set<std::string>& fp32_ops,
             torch::jit::Module& module)
      : g_(graph), qp_(qparams), fp32_(fp32_ops), m_(module), has_f_(graph.num_values), has_q_(graph.num_values) {
    has_f_[0] = true;
    for (size_t i = 0; i < g_.ops.size(); ++i)
      for (int v : g_.ops[i].inputs) consumers_[v].push_back(static_cast<int>(i));
  }

  Int8Module write() {
    Int8Module out{m_, {}, {}, {}, {}};
    std::vector<bool> done(g_.ops.size(), false);
    for (size_t i = 0; i < g_.ops.size(); ++i) {
      if (done[i]) continue;
      const Op& op = g_.ops[i];
      if (has_int8_weights(op)) {
        if (fp32_.count(op.name)) {
          out.fp32_ops.push_back(op.name);
          fp32(op);
        } else {
          out.int8_ops.push_back(op.name);
          const int relu = fusable_relu(op);
          if (relu >= 0) done[relu] = true;
          weighted(op, relu >= 0 ? g_.ops[relu].output : op.output, relu >= 0);
        }
        continue;
      }
      const bool all_q = std::all_of(op.inputs.begin(), op.inputs.end(), [&](int v) { return bool(has_q_[v]); });
      if (!all_q || !int8_capable(op)) {
        fp32(op);
        continue;
      }
      const int relu = op.kind == OpKind::Add ? fusable_relu(op) : -1;
      if (relu >= 0) done[relu] = true;
      quantized(op, relu >= 0 ? g_.ops[relu].output : op.output, relu >= 0);
    }
    const int y = g_.output;
    need_f(y);
    src_ << "    return " << fname(y) << "\n";
    out.source = "def forward(self, x):\n" + src_.str();
    for (int v = 0; v < g_.num_values; ++v)
      if (has_q_[v]) out.int8_values.push_back(v);
    return out;
  }

 private:
  static bool int8_capable(const Op& op) {
    switch (op.kind) {
      case OpKind::Add:
      case OpKind::Concat:
      case OpKind::MaxPool:
      case OpKind::Relu:
      case OpKind::Relu6:
      case OpKind::BatchNorm:  // one that follows no convolution (IResNet's block input)
      case OpKind::GlobalPool: return true;
      // Not PRelu: LibTorch 1.13's quantized::prelu (onednn and qnnpack alike) returns wrong
      // values for positive inputs with some slope scales (0.3 -> 0.15 with slopes 0.25, 0.5
      // stored at scale 0.5/255), so PReLU runs in fp32 between a dequantize and a quantize.
      default: return false;
    }
  }

  // The ReLU/ReLU6 that is the only consumer of op's output (and not the network's output), or -1.
  int fusable_relu(const Op& op) const {
    auto it = consumers_.find(op.output);
    if (it == consumers_.end() || it->second.size() != 1 || op.output == g_.output) return -1;
    const Op& next = g_.ops[it->second[0]];
    if (op.kind == OpKind::Linear) return -1;  // quantized::linear_relu: not worth a second path
    // ReLU6 fused as ReLU: its output's calibrated range ends at <= 6, and quantizing to that
    // range saturates there, so the clamp at 6 is kept.
    return next.kind == OpKind::Relu || next.kind == OpKind::Relu6 ? it->second[0] : -1;
  }

  std::string fname(int v) const { return v == 0 ? "x" : "v" + std::to_string(v); }
  std::string qname(int v) const { return "q" + std::to_string(v); }
  std::string qargs(int v) const { return fmt::format("{}, {}", models::script_float(qp_[v].scale), qp_[v].zero_point); }

  void need_q(int v) {
    if (has_q_[v]) return;
    // dtype as its ScalarType number: TorchScript source has no torch.quint8 name.
    src_ << fmt::format("    {} = torch.quantize_per_tensor({}, {}, {})\n", qname(v), fname(v), qargs(v),
                        static_cast<int>(c10::ScalarType::QUInt8));
    has_q_[v] = true;
  }
  void need_f(int v) {
    if (has_f_[v]) return;
    src_ << fmt::format("    {} = {}.dequantize()\n", fname(v), qname(v));
    has_f_[v] = true;
  }

  void fp32(const Op& op) {
    for (int v : op.inputs) need_f(v);
    src_ << "    " << models::script_statement(op, m_) << "\n";
    has_f_[op.output] = true;
  }

  void weighted(const Op& op, int out, bool relu) {
    const int in = op.inputs[0];
    need_q(in);
    const auto attr = "w_" + models::script_identifier(op.name);
    const auto packed = packed_weight(op);
    m_.register_attribute(attr, packed.type(), packed);
    const char* fn = op.kind == OpKind::Linear ? "linear" : relu ? "conv2d_relu" : "conv2d";
    src_ << fmt::format("    {} = ops.quantized.{}({}, self.{}, {})\n", qname(out), fn, qname(in), attr, qargs(out));
    has_q_[out] = true;
  }

  void quantized(const Op& op, int out, bool relu) {
    const auto in = [&](size_t k) { return qname(op.inputs[k]); };
    std::string rhs;
    switch (op.kind) {
      case OpKind::Add:
        rhs = fmt::format("ops.quantized.{}({}, {}, {})", relu ? "add_relu" : "add", in(0), in(1), qargs(out));
        break;
      case OpKind::Concat: {
        std::vector<std::string> names;
        for (size_t k = 0; k < op.inputs.size(); ++k) names.push_back(in(k));
        rhs = fmt::format("ops.quantized.cat([{}], 1, {})", fmt::join(names, ", "), qargs(out));
        break;
      }
      // These keep their input's scale and zero point (max, relu and clamp pick or clip stored
      // values; the average is computed on the stored integers).
      case OpKind::MaxPool:
        rhs = fmt::format("torch.max_pool2d({}, [{}, {}], [{}, {}], [{}, {}], [1, 1], False)", in(0), op.kernel[0],
                          op.kernel[1], op.stride[0], op.stride[1], op.padding[0], op.padding[1]);
        break;
      case OpKind::Relu: rhs = fmt::format("torch.relu({})", in(0)); break;
      case OpKind::Relu6: rhs = fmt::format("torch.clamp({}, 0.0, 6.0)", in(0)); break;
      case OpKind::GlobalPool: rhs = fmt::format("torch.flatten(torch.adaptive_avg_pool2d({}, [1, 1]), 1)", in(0)); break;
      // A BatchNorm that follows no convolution (IResNet's block input, its bn2): 2-D to 5-D.
      case OpKind::BatchNorm:
        rhs = fmt::format("ops.quantized.batch_norm({}, self.{}, self.{}, self.{}, self.{}, {}, {})", in(0),
                          tensor(op, "weight", op.weight), tensor(op, "bias", op.bias),
                          tensor(op, "mean", op.running_mean), tensor(op, "var", op.running_var),
                          models::script_float(op.value), qargs(out));
        break;
      default: throw Error("int8: op kind without a quantized form");  // int8_capable lists these
    }
    src_ << "    " << qname(out) << " = " << rhs << "\n";
    has_q_[out] = true;
  }

  // Registers `t` on the module as an attribute named after the op; its name.
  std::string tensor(const Op& op, const std::string& what, const torch::Tensor& t) {
    const auto name = "t_" + models::script_identifier(op.name) + "_" + what;
    m_.register_attribute(name, c10::TensorType::get(), t.to(torch::kFloat).contiguous());
    return name;
  }

  const Graph& g_;
  const std::vector<QParams>& qp_;
  const std::set<std::string>& fp32_;
  torch::jit::Module& m_;
  std::vector<char> has_f_, has_q_;
  std::map<int, std::vector<int>> consumers_;
  std::ostringstream src_;
};

}  // namespace

int fold_scales(Graph& graph) {
  return models::fold_into_producers(graph, OpKind::Scale, [](Op& p, const Op& s) {
    if (!has_int8_weights(p)) return false;
    p.weight = (p.weight.to(torch::kDouble) * s.value).to(torch::kFloat);
    if (p.bias.defined()) p.bias = (p.bias.to(torch::kDouble) * s.value).to(torch::kFloat);
    return true;
  });
}

Graph int8_ready_graph(models::FaceNetImpl& model) {
  auto graph = models::build_graph(model);
  models::fold_batch_norms(graph);
  fold_scales(graph);
  return graph;
}

bool has_int8_weights(const Op& op) { return op.kind == OpKind::Conv || op.kind == OpKind::Linear; }

std::vector<std::string> default_fp32_ops(const Graph& graph) {
  std::vector<std::string> out;
  for (const auto& op : graph.ops)
    if (op.kind == OpKind::Conv) {
      out.push_back(op.name);
      break;
    }
  for (const auto& op : graph.ops)
    if (op.kind == OpKind::Linear) out.push_back(op.name);
  return out;
}

void check_op_names(const Graph& graph, const std::vector<std::string>& names, const std::string& key) {
  for (const auto& name : names) {
    const bool found = std::any_of(graph.ops.begin(), graph.ops.end(),
                                   [&](const Op& op) { return has_int8_weights(op) && op.name == name; });
    if (found) continue;
    std::vector<std::string> known;
    for (const auto& op : graph.ops)
      if (has_int8_weights(op)) known.push_back(op.name);
    const auto shown = std::min<size_t>(known.size(), 6);
    throw ConfigError(fmt::format("{}: no convolution or linear layer named '{}' (the network has {} of them: {}{})",
                                  key, name, known.size(), fmt::join(known.begin(), known.begin() + shown, ", "),
                                  known.size() > shown ? ", ..." : ""));
  }
}

Calibration::Calibration(const Graph& graph, ObserverKind kind) {
  auto m = std::make_shared<torch::jit::Module>("FaceNetCalibration");
  std::ostringstream src;
  src << "def forward(self, x):\n";
  for (const auto& op : graph.ops) src << "    " << models::script_statement(op, *m) << "\n";
  src << "    return [x";
  for (const auto& op : graph.ops) src << ", v" << op.output;
  src << "]\n";
  m->define(src.str());
  m->eval();
  values_ = m;
  observers_.resize(graph.num_values);
  observers_[0] = make_observer(kind);
  for (const auto& op : graph.ops) observers_[op.output] = make_observer(kind);
  ids_.push_back(0);
  for (const auto& op : graph.ops) ids_.push_back(op.output);
}

void Calibration::observe(const torch::Tensor& batch) {
  torch::NoGradGuard no_grad;
  const auto values = values_->forward({batch.to(torch::kFloat).contiguous()}).toList();
  for (size_t k = 0; k < values.size(); ++k) observers_[ids_[k]]->observe(values.get(k).toTensor());
  images_ += batch.size(0);
}

std::vector<QParams> Calibration::qparams() const {
  std::vector<QParams> out(observers_.size());
  for (size_t v = 0; v < observers_.size(); ++v)
    if (observers_[v]) out[v] = observers_[v]->qparams();
  return out;
}

Int8Module to_int8_module(const Graph& graph, const std::vector<QParams>& qparams, const std::set<std::string>& fp32_ops) {
  infer::use_int8_engine("quantize");
  torch::jit::Module m("FaceNetInt8");
  auto out = Int8Writer(graph, qparams, fp32_ops, m).write();
  try {
    m.define(out.source, std::make_shared<QuantizedResolver>());
  } catch (const std::exception& e) {
    throw Error("int8: TorchScript compilation of the quantized forward failed: " + error_message(e).substr(0, 500));
  }
  m.eval();
  out.module = m;
  return out;
}

}  // namespace facenet::quantize
