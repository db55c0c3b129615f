#pragma once
// The int8 network as a QDQ ONNX graph: the fp32 graph export_onnx_graph writes, with
// QuantizeLinear/DequantizeLinear pairs on every value the int8 module holds as quint8 (same
// scales and zero points) and each int8 layer's weight stored as int8 per output channel behind
// a DequantizeLinear (axis 0; the same integers LibTorch's quantize_per_channel gives). ONNX
// Runtime-style runtimes fuse the pairs into integer kernels; others compute it in fp32 with the
// int8 rounding applied, which gives the int8 model's results either way. Opset 13 (per-axis
// DequantizeLinear).
#include <string>
#include <vector>

#include "facenet/infer/meta.h"
#include "facenet/quantize/int8_graph.h"

namespace facenet::quantize {

/// Writes `graph` (int8_ready_graph) quantized as `module` says with `qparams` to `path` (and
/// the `<path>.json` sidecar), atomically, with the ONNX digest. Throws facenet::Error naming the file.
void write_qdq_onnx(const models::Graph& graph, const std::vector<QParams>& qparams, const Int8Module& module,
                    const infer::ExportMeta& meta, const std::string& path);

}  // namespace facenet::quantize
