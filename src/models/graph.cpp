#include "facenet/models/graph.h"

#include <torch/torch.h>

#include <map>

#include "facenet/core/error.h"
#include "facenet/models/inception_resnet_v1.h"
#include "facenet/models/iresnet.h"
#include "facenet/models/mobilefacenet.h"
#include "facenet/models/mobilenet_v1.h"

namespace facenet::models {
namespace {

namespace nn = torch::nn;

torch::Tensor copy(const torch::Tensor& t) { return t.defined() ? t.detach().to(torch::kCPU).clone() : t; }

std::array<int64_t, 2> pair_of(const torch::ExpandingArray<2>& a) { return {(*a)[0], (*a)[1]}; }

class Builder {
 public:
  Graph graph;

  int add(Op op) {
    op.output = graph.num_values++;
    graph.ops.push_back(std::move(op));
    return graph.ops.back().output;
  }
  int unary(OpKind kind, const std::string& name, int x) {
    Op op{kind};
    op.inputs = {x};
    op.name = name;
    return add(std::move(op));
  }

  int conv(const std::string& name, nn::Conv2dImpl& c, int x) {
    const auto& o = c.options;
    if (!c2v(o))
      throw Error("export: " + name + ": only explicit zero padding is supported");
    for (auto d : *o.dilation())
      if (d != 1) throw Error("export: " + name + ": dilated convolutions are not supported");
    Op op{OpKind::Conv};
    op.inputs = {x};
    op.name = name;
    op.kernel = pair_of(o.kernel_size());
    op.stride = pair_of(o.stride());
    op.padding = pair_of(c10::get<torch::ExpandingArray<2>>(o.padding()));
    op.groups = o.groups();
    op.weight = copy(c.weight);
    op.bias = copy(c.bias);
    return add(std::move(op));
  }
  static bool c2v(const nn::detail::ConvNdOptions<2>& o) {
    return c10::holds_alternative<torch::ExpandingArray<2>>(o.padding()) &&
           c10::holds_alternative<torch::enumtype::kZeros>(o.padding_mode());
  }

  template <class BN>
  int batch_norm(const std::string& name, BN& bn, int x) {
    Op op{OpKind::BatchNorm};
    op.inputs = {x};
    op.name = name;
    op.value = bn.options.eps();
    op.weight = bn.weight.defined() ? copy(bn.weight) : torch::ones_like(bn.running_mean);
    op.bias = bn.bias.defined() ? copy(bn.bias) : torch::zeros_like(bn.running_mean);
    op.running_mean = copy(bn.running_mean);
    op.running_var = copy(bn.running_var);
    return add(std::move(op));
  }

  int max_pool(const std::string& name, nn::MaxPool2dImpl& p, int x) {
    const auto& o = p.options;
    if (o.ceil_mode()) throw Error("export: " + name + ": ceil-mode pooling is not supported");
    Op op{OpKind::MaxPool};
    op.inputs = {x};
    op.name = name;
    op.kernel = pair_of(o.kernel_size());
    op.stride = pair_of(o.stride());
    op.padding = pair_of(o.padding());
    return add(std::move(op));
  }

  int concat(const std::string& name, std::vector<int> inputs) {
    Op op{OpKind::Concat};
    op.inputs = std::move(inputs);
    op.name = name;
    return add(std::move(op));
  }

  // x -> concat(branches) -> 1x1 up-projection -> * scale -> + x -> (ReLU)
  int residual(const std::string& name, int x, const std::vector<std::pair<std::string, nn::Module*>>& branches,
               nn::Conv2dImpl& up, double scale, bool relu) {
    std::vector<int> outs;
    for (const auto& [bname, m] : branches) outs.push_back(module(name + "." + bname, *m, x));
    int y = conv(name + ".conv2d", up, concat(name + ".cat", outs));
    Op s{OpKind::Scale};
    s.inputs = {y};
    s.name = name + ".scale";
    s.value = scale;
    y = add(std::move(s));
    Op a{OpKind::Add};
    a.inputs = {y, x};
    a.name = name + ".add";
    y = add(std::move(a));
    return relu ? unary(OpKind::Relu, name + ".relu", y) : y;
  }

  int add_values(const std::string& name, int a, int b) {
    Op op{OpKind::Add};
    op.inputs = {a, b};
    op.name = name;
    return add(std::move(op));
  }

  int linear(const std::string& name, nn::LinearImpl& l, int x) {
    Op op{OpKind::Linear};
    op.inputs = {x};
    op.name = name;
    op.weight = copy(l.weight);
    op.bias = copy(l.bias);
    return add(std::move(op));
  }

  int prelu(const std::string& name, nn::PReLUImpl& p, int x) {
    Op op{OpKind::PRelu};
    op.inputs = {x};
    op.name = name;
    op.weight = copy(p.weight);
    return add(std::move(op));
  }

  // insightface's IBasicBlock: bn1 -> conv1 -> bn2 -> prelu -> conv2 -> bn3, + identity/downsample.
  int basic_block(const std::string& name, IBasicBlockImpl& b, int x) {
    int y = batch_norm(name + ".bn1", *b.bn1, x);
    y = batch_norm(name + ".bn2", *b.bn2, conv(name + ".conv1", *b.conv1, y));
    y = batch_norm(name + ".bn3", *b.bn3, conv(name + ".conv2", *b.conv2, prelu(name + ".prelu", *b.prelu, y)));
    const int identity = b.downsample ? module(name + ".downsample", *b.downsample, x) : x;
    return add_values(name + ".add", y, identity);
  }

  // Emits `m` applied to value `x`; returns the output value.
  int module(const std::string& name, nn::Module& m, int x) {
    using namespace models;
    if (auto* c = dynamic_cast<nn::Conv2dImpl*>(&m)) return conv(name, *c, x);
    if (auto* b = dynamic_cast<nn::BatchNorm2dImpl*>(&m)) return batch_norm(name, *b, x);
    if (auto* b = dynamic_cast<nn::BatchNorm1dImpl*>(&m)) return batch_norm(name, *b, x);
    if (auto* l = dynamic_cast<nn::LinearImpl*>(&m)) return linear(name, *l, x);
    if (auto* p = dynamic_cast<nn::PReLUImpl*>(&m)) return prelu(name, *p, x);
    if (dynamic_cast<nn::DropoutImpl*>(&m)) return x;  // identity at inference
    if (dynamic_cast<FlattenImpl*>(&m)) return unary(OpKind::Flatten, name, x);
    if (auto* b = dynamic_cast<IBasicBlockImpl*>(&m)) return basic_block(name, *b, x);
    if (auto* d = dynamic_cast<DepthWiseImpl*>(&m)) {
      const int y = module(name + ".layers", *d->layers, x);
      return d->residual ? add_values(name + ".add", x, y) : y;
    }
    if (dynamic_cast<nn::ReLUImpl*>(&m)) return unary(OpKind::Relu, name, x);
    if (dynamic_cast<nn::ReLU6Impl*>(&m)) return unary(OpKind::Relu6, name, x);
    if (auto* p = dynamic_cast<nn::MaxPool2dImpl*>(&m)) return max_pool(name, *p, x);
    if (auto* b = dynamic_cast<BasicConv2dImpl*>(&m))
      return unary(OpKind::Relu, name + ".relu", batch_norm(name + ".bn", *b->bn, conv(name + ".conv", *b->conv, x)));
    if (auto* b = dynamic_cast<Block35Impl*>(&m))
      return residual(name, x, {{"branch0", b->branch0.get()}, {"branch1", b->branch1.get()}, {"branch2", b->branch2.get()}},
                      *b->conv2d, b->scale, true);
    if (auto* b = dynamic_cast<Block17Impl*>(&m))
      return residual(name, x, {{"branch0", b->branch0.get()}, {"branch1", b->branch1.get()}}, *b->conv2d, b->scale, true);
    if (auto* b = dynamic_cast<Block8Impl*>(&m))
      return residual(name, x, {{"branch0", b->branch0.get()}, {"branch1", b->branch1.get()}}, *b->conv2d, b->scale,
                      b->apply_relu);
    if (auto* b = dynamic_cast<Mixed6aImpl*>(&m))
      return concat(name + ".cat", {module(name + ".branch0", *b->branch0, x), module(name + ".branch1", *b->branch1, x),
                                    module(name + ".branch2", *b->branch2, x)});
    if (auto* b = dynamic_cast<Mixed7aImpl*>(&m))
      return concat(name + ".cat", {module(name + ".branch0", *b->branch0, x), module(name + ".branch1", *b->branch1, x),
                                    module(name + ".branch2", *b->branch2, x), module(name + ".branch3", *b->branch3, x)});
    // Containers (Sequential, MobileNet's blocks, the trunks) run their children in
    // registration order, which for every trunk is the forward order.
    const auto children = m.named_children();
    if (children.is_empty()) throw Error("export: cannot export module '" + name + "' (" + m.name() + ")");
    for (const auto& item : children) x = module(name + "." + item.key(), *item.value(), x);
    return x;
  }
};

}  // namespace

Graph build_graph(models::FaceNetImpl& model) {
  torch::NoGradGuard no_grad;
  Builder b;
  int x = b.module("backbone", model.backbone(), 0);
  if (model.trunk_embeds()) {  // insightface's trunks end in the embedding: only normalise it
    b.graph.output = b.unary(OpKind::L2Norm, "l2norm", x);
    return b.graph;
  }
  x = b.unary(OpKind::GlobalPool, "avgpool_1a", x);
  Op linear{OpKind::Linear};
  linear.inputs = {x};
  linear.name = "last_linear";
  linear.weight = copy(model.last_linear->weight);
  linear.bias = copy(model.last_linear->bias);
  x = b.add(std::move(linear));
  x = b.batch_norm("last_bn", *model.last_bn, x);
  b.graph.output = b.unary(OpKind::L2Norm, "l2norm", x);
  return b.graph;
}

ValueUses value_uses(const Graph& graph) {
  ValueUses out;
  for (size_t i = 0; i < graph.ops.size(); ++i) {
    for (int v : graph.ops[i].inputs) ++out.uses[v];
    out.producer[graph.ops[i].output] = static_cast<int>(i);
  }
  return out;
}

int fold_into_producers(Graph& graph, OpKind kind, const std::function<bool(Op& producer, const Op& op)>& fold) {
  auto [uses, producer] = value_uses(graph);
  std::vector<bool> removed(graph.ops.size(), false);
  int folds = 0;
  for (size_t i = 0; i < graph.ops.size(); ++i) {
    const Op& op = graph.ops[i];
    if (op.kind != kind) continue;
    const int v = op.inputs[0];
    auto it = producer.find(v);
    if (it == producer.end() || uses[v] != 1 || v == graph.output) continue;
    Op& p = graph.ops[it->second];
    if (!fold(p, op)) continue;
    p.output = op.output;
    removed[i] = true;
    ++folds;
  }
  std::vector<Op> kept;
  for (size_t i = 0; i < graph.ops.size(); ++i)
    if (!removed[i]) kept.push_back(std::move(graph.ops[i]));
  graph.ops = std::move(kept);
  return folds;
}

int fold_batch_norms(Graph& graph) {
  return fold_into_producers(graph, OpKind::BatchNorm, [](Op& p, const Op& bn) {
    if (p.kind != OpKind::Conv && p.kind != OpKind::Linear) return false;
    // y = (Wx + b - mean) * gamma / sqrt(var + eps) + beta
    const auto scale = bn.weight.to(torch::kDouble) / (bn.running_var.to(torch::kDouble) + bn.value).sqrt();
    std::vector<int64_t> shape(p.weight.dim(), 1);
    shape[0] = -1;
    const auto w = p.weight.to(torch::kDouble) * scale.view(shape);
    const auto b0 = p.bias.defined() ? p.bias.to(torch::kDouble) : torch::zeros_like(scale);
    const auto b = (b0 - bn.running_mean.to(torch::kDouble)) * scale + bn.bias.to(torch::kDouble);
    p.weight = w.to(torch::kFloat);
    p.bias = b.to(torch::kFloat);
    return true;
  });
}

int64_t count_macs(const Graph& graph, int64_t image_size) {
  // Walk the ops once, tracking each value's spatial size (channels come from the weights).
  std::vector<std::array<int64_t, 2>> hw(graph.num_values, {0, 0});
  hw[0] = {image_size, image_size};
  int64_t macs = 0;
  for (const Op& op : graph.ops) {
    const auto in = hw[op.inputs.at(0)];
    auto out = in;
    if (op.kind == OpKind::Conv || op.kind == OpKind::MaxPool)
      for (int d = 0; d < 2; ++d) out[d] = (in[d] + 2 * op.padding[d] - op.kernel[d]) / op.stride[d] + 1;
    if (op.kind == OpKind::GlobalPool || op.kind == OpKind::Flatten) out = {1, 1};
    if (op.kind == OpKind::Conv) macs += op.weight.numel() * out[0] * out[1];  // O * I/g * kh * kw per pixel
    if (op.kind == OpKind::Linear) macs += op.weight.numel();
    hw[op.output] = out;
  }
  return macs;
}

int64_t count_ptflops(const Graph& graph, int64_t image_size) {
  // Values' shapes as (channels, h, w); the input is 3 x S x S.
  std::vector<std::array<int64_t, 3>> shape(graph.num_values, {0, 0, 0});
  shape[0] = {3, image_size, image_size};
  auto elements = [](const std::array<int64_t, 3>& s) { return s[0] * s[1] * s[2]; };
  int64_t flops = 0;
  for (const Op& op : graph.ops) {
    const auto in = shape[op.inputs.at(0)];
    auto out = in;
    switch (op.kind) {
      case OpKind::Conv:
      case OpKind::MaxPool:
        for (int d = 0; d < 2; ++d) out[d + 1] = (in[d + 1] + 2 * op.padding[d] - op.kernel[d]) / op.stride[d] + 1;
        if (op.kind == OpKind::Conv) {
          out[0] = op.weight.size(0);
          flops += op.weight.numel() * out[1] * out[2] + (op.bias.defined() ? elements(out) : 0);
        } else {
          flops += elements(in);
        }
        break;
      case OpKind::BatchNorm: flops += 2 * elements(in); break;
      case OpKind::Relu:
      case OpKind::Relu6:
      case OpKind::PRelu: flops += elements(in); break;
      case OpKind::GlobalPool: flops += elements(in); out = {in[0], 1, 1}; break;
      case OpKind::Flatten: out = {elements(in), 1, 1}; break;
      case OpKind::Linear:
        out = {op.weight.size(0), 1, 1};
        flops += op.weight.numel() + (op.bias.defined() ? op.weight.size(0) : 0);
        break;
      case OpKind::Concat:
        out[0] = 0;
        for (int v : op.inputs) out[0] += shape[v][0];
        break;
      default: break;  // Add, Scale, L2Norm: not counted by ptflops (functional ops)
    }
    shape[op.output] = out;
  }
  return flops;
}

}  // namespace facenet::models
