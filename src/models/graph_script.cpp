// The layer graph as TorchScript: a torch::jit::Module whose forward is TorchScript source
// generated from the graph's ops (aten calls identical to the eager modules', so outputs
// match), with the weights registered as parameters. No tracing, no Python. Used by the
// compiled inference path and the TorchScript export.
#include <fmt/format.h>
#include <torch/script.h>
#include <torch/torch.h>

#include <sstream>

#include "facenet/models/graph.h"

namespace facenet::models {
std::string script_identifier(const std::string& name) {
  std::string out = name;
  for (auto& c : out)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return out;
}

std::string script_float(double v) {
  auto s = fmt::format("{:.17g}", v);
  if (s.find_first_of(".en") == std::string::npos) s += ".0";
  return s;
}

namespace {

std::string ident(const std::string& s) { return script_identifier(s); }

std::string list(const std::array<int64_t, 2>& a) { return fmt::format("[{}, {}]", a[0], a[1]); }
std::string num(double v) { return script_float(v); }

class ScriptWriter {
 public:
  explicit ScriptWriter(torch::jit::Module& m) : m_(m) {}

  std::string param(const std::string& name, const torch::Tensor& t) {
    if (!t.defined()) return "None";
    const auto id = ident(name);
    m_.register_parameter(id, t.detach().clone(), false);
    return "self." + id;
  }

  std::string line(const Op& op) {
    std::vector<std::string> in;
    for (int v : op.inputs) in.push_back(v == 0 ? "x" : "v" + std::to_string(v));
    const auto out = "v" + std::to_string(op.output);
    switch (op.kind) {
      case OpKind::Conv:
        return fmt::format("{} = torch.conv2d({}, {}, {}, {}, {}, [1, 1], {})", out, in[0],
                           param(op.name + ".weight", op.weight), param(op.name + ".bias", op.bias), list(op.stride),
                           list(op.padding), op.groups);
      case OpKind::BatchNorm:
        return fmt::format("{} = torch.batch_norm({}, {}, {}, {}, {}, False, 0.0, {}, False)", out, in[0],
                           param(op.name + ".weight", op.weight), param(op.name + ".bias", op.bias),
                           param(op.name + ".running_mean", op.running_mean),
                           param(op.name + ".running_var", op.running_var), num(op.value));
      case OpKind::Relu: return fmt::format("{} = torch.relu({})", out, in[0]);
      case OpKind::Relu6: return fmt::format("{} = torch.hardtanh({}, 0.0, 6.0)", out, in[0]);
      case OpKind::MaxPool:
        return fmt::format("{} = torch.max_pool2d({}, {}, {}, {}, [1, 1], False)", out, in[0], list(op.kernel),
                           list(op.stride), list(op.padding));
      case OpKind::Concat: return fmt::format("{} = torch.cat([{}], 1)", out, fmt::join(in, ", "));
      case OpKind::Add: return fmt::format("{} = {} + {}", out, in[0], in[1]);
      case OpKind::Scale: return fmt::format("{} = {} * {}", out, in[0], num(op.value));
      case OpKind::GlobalPool:
        return fmt::format("{} = torch.flatten(torch.adaptive_avg_pool2d({}, [1, 1]), 1)", out, in[0]);
      case OpKind::Linear:
        return fmt::format("{} = torch.linear({}, {}, {})", out, in[0], param(op.name + ".weight", op.weight),
                           param(op.name + ".bias", op.bias));
      case OpKind::PRelu:
        return fmt::format("{} = torch.prelu({}, {})", out, in[0], param(op.name + ".weight", op.weight));
      case OpKind::Flatten: return fmt::format("{} = torch.flatten({}, 1)", out, in[0]);
      case OpKind::L2Norm:  // as torch::nn::functional::normalize(p=2, dim=1, eps=1e-12)
        return fmt::format("{} = {} / torch.clamp_min(torch.norm({}, 2.0, [1], True), 1e-12).expand_as({})", out,
                           in[0], in[0], in[0]);
    }
    return "";
  }

 private:
  torch::jit::Module& m_;
};

}  // namespace

std::string script_statement(const Op& op, torch::jit::Module& module) { return ScriptWriter(module).line(op); }

torch::jit::Module to_script_module(const Graph& graph) {
  torch::jit::Module m("FaceNetEmbedding");
  ScriptWriter writer(m);
  std::ostringstream src;
  src << "def forward(self, x):\n";
  for (const auto& op : graph.ops) src << "    " << writer.line(op) << "\n";
  src << "    return v" << graph.output << "\n";
  m.define(src.str());
  m.eval();
  return m;
}

}  // namespace facenet::models
