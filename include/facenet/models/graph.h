#pragma once
// The embedding network as a flat list of inference ops (private to the export area).
// Built by walking our modules once; the ONNX and TorchScript writers both emit from it,
// so the two formats describe the same computation.
#include <torch/script.h>
#include <torch/types.h>

#include <array>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "facenet/models/facenet.h"

namespace facenet::models {

enum class OpKind {
  Conv,       ///< weight (O, I/g, kh, kw), optional bias; kernel/stride/padding/groups
  BatchNorm,  ///< inference BN: weight=gamma, bias=beta, running_mean/var, value=eps
  Relu,
  Relu6,
  MaxPool,    ///< kernel/stride/padding, floor mode
  Concat,     ///< along channels
  Add,
  Scale,      ///< x * value
  GlobalPool, ///< (N, C, h, w) -> (N, C): global average pool + flatten
  Linear,     ///< weight (O, I), optional bias
  L2Norm,     ///< x / max(||x||_2, 1e-12) along dim 1
  PRelu,      ///< max(0, x) + weight[c] * min(0, x), weight (C) per channel
  Flatten,    ///< (N, C, h, w) -> (N, C*h*w)
};

struct Op {
  explicit Op(OpKind k) : kind(k) {}
  OpKind kind;
  std::vector<int> inputs;  ///< value ids; value 0 is the network input
  int output = -1;
  std::string name;         ///< source module path, e.g. "backbone.conv2d_1a.conv"
  std::array<int64_t, 2> kernel{1, 1}, stride{1, 1}, padding{0, 0};
  int64_t groups = 1;
  double value = 0;
  torch::Tensor weight, bias, running_mean, running_var;
};

struct Graph {
  std::vector<Op> ops;
  int num_values = 1;  ///< value 0 is the input
  int output = 0;
};

/// The eval-mode embedding network of `model` (dropout dropped; tensors are detached CPU copies).
Graph build_graph(models::FaceNetImpl& model);

/// For each value: how many ops read it (`uses`) and the index of the op that writes it (`producer`).
struct ValueUses {
  std::map<int, int> uses, producer;
};
ValueUses value_uses(const Graph& graph);

/// A module path as a TorchScript identifier (every non-alphanumeric character becomes '_'): the
/// names the generated modules register their tensors under.
std::string script_identifier(const std::string& name);
/// A Python float literal that parses back to `v` exactly.
std::string script_float(double v);

/// Folds each `kind` op into the op that produces its input, where that value has no other use
/// and is not the output: `fold(producer, op)` rewrites the producer's tensors (false: leave
/// this one), the producer then writes the op's output and the op is dropped. The number folded.
int fold_into_producers(Graph& graph, OpKind kind, const std::function<bool(Op& producer, const Op& op)>& fold);

/// Folds every BatchNorm whose input is a Conv or Linear output used only by it into that op
/// (computed in double precision). Returns the number of folds.
int fold_batch_norms(Graph& graph);

/// Multiply-accumulates of one (1, 3, image_size, image_size) forward pass: convolutions and
/// the linear layer only (the usual convention; BN, ReLU, pooling and adds are not counted).
int64_t count_macs(const Graph& graph, int64_t image_size);

/// The "FLOPs" of published face-model tables (arcface_torch's flops.py, i.e. ptflops): the
/// multiply-accumulates above plus bias additions, 2 per element for each affine BatchNorm's
/// input and 1 per element for each activation's output. Count on the unfolded graph.
int64_t count_ptflops(const Graph& graph, int64_t image_size);

/// A TorchScript module (eval mode) whose forward runs `graph` with aten calls identical to the
/// eager modules'; weights are registered as parameters. Throws on a compilation failure.
torch::jit::Module to_script_module(const Graph& graph);

/// One op as the TorchScript statement to_script_module writes for it ("v<out> = ..." over
/// inputs named x (value 0) and v<id>), registering its tensors as parameters of `module`.
/// The hook through which other writers (the int8 one, quantize/) emit the ops they keep in fp32.
std::string script_statement(const Op& op, torch::jit::Module& module);

}  // namespace facenet::models
