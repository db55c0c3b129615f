#pragma once
// The layer graph (models/graph.h) in int8: calibration over its values and the TorchScript
// module that runs it with LibTorch's quantized kernels.
//
// Why the module is generated here rather than by LibTorch's JIT graph-mode passes
// (torch/csrc/jit/passes/quantization: InsertObservers, InsertQuantDeQuant, Finalize): Debian's
// libtorch-dev ships their headers, but the passes take the observers as scripted modules, i.e.
// PyTorch's torch.ao.quantization observer classes compiled from Python, which a C++-only build
// does not have; they are internal torch::jit API (no stability, prototype status in 1.13) and
// they match patterns in traced/scripted aten graphs that our generated source would have to be
// shaped for. The graph already names every op, so writing the quantized forward directly is
// shorter and explicit: the arithmetic is still LibTorch's own quantized kernels
// (quantize_per_tensor, quantized::conv2d(_relu) with per-channel qint8 weights prepacked by
// quantized::conv2d_prepack, quantized::add(_relu), quantized::cat, quantized::linear, quantized
// max/avg pooling and relu, dequantize) on the oneDNN engine; nothing is computed by hand.
#include <torch/script.h>

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "facenet/models/graph.h"
#include "facenet/quantize/observer.h"

namespace facenet::quantize {

/// Folds each Scale whose input is a Conv or Linear output used only by it into that op's weight
/// and bias (conv(x) * s = conv with s*w, s*b: Inception-ResNet's residual scaling), so the
/// scaled output comes straight from an int8 convolution. Returns the number of folds.
int fold_scales(models::Graph& graph);

/// build_graph + fold_batch_norms + fold_scales: the graph that is calibrated and quantized.
models::Graph int8_ready_graph(models::FaceNetImpl& model);

/// Convolutions and linear layers: the ops whose weights become int8.
bool has_int8_weights(const models::Op& op);

/// The ops kept in fp32 when the user names none: the first convolution (it sees raw pixels, and
/// has 3 input channels: little to gain) and the embedding head (last_linear; every op after the
/// global pool, the L2 norm included, is fp32 anyway).
std::vector<std::string> default_fp32_ops(const models::Graph& graph);

/// Checks `names` against the graph: ConfigError naming `key` and the unknown name, listing the
/// convolution and linear names that exist, when one is not such an op.
void check_op_names(const models::Graph& graph, const std::vector<std::string>& names, const std::string& key);

/// Observers over every value of the graph, fed batches of preprocessed images.
class Calibration {
 public:
  Calibration(const models::Graph& graph, ObserverKind kind);
  /// Runs `batch` (N, 3, S, S) through the fp32 graph and observes every value.
  void observe(const torch::Tensor& batch);
  int64_t images() const { return images_; }
  /// The activation parameters of each value (index = value id; 0 = the input).
  std::vector<QParams> qparams() const;

 private:
  std::shared_ptr<torch::jit::Module> values_;  // forward returns every value as a list
  std::vector<std::unique_ptr<Observer>> observers_;  // per value id
  std::vector<int> ids_;                              // the value id of each list element
  int64_t images_ = 0;
};

struct Int8Module {
  torch::jit::Module module;            ///< eval mode; forward: (N, 3, S, S) float -> (N, D) float
  std::vector<std::string> int8_ops;    ///< convolutions / linear layers running in int8, graph order
  std::vector<std::string> fp32_ops;    ///< those left in fp32
  std::vector<int> int8_values;         ///< the values held as quint8 tensors (the QDQ export's Q/DQ points)
  std::string source;                   ///< the generated forward (for tests and --verbose)
};

/// The int8 module of `graph` with activation parameters `qparams` (Calibration::qparams):
/// the convolutions and linear layers not in `fp32_ops` run int8 (a ReLU/ReLU6 that alone
/// follows a convolution is fused into it, and into an add), additions, concatenations, pooling
/// and ReLU run on int8 tensors when their inputs are int8; every other op (the L2 norm, an op
/// kind this writer does not know, an unfolded BatchNorm) runs in fp32 as to_script_module
/// writes it, with a dequantize in front. Selects the oneDNN engine (infer::use_int8_engine).
Int8Module to_int8_module(const models::Graph& graph, const std::vector<QParams>& qparams,
                          const std::set<std::string>& fp32_ops);

}  // namespace facenet::quantize
