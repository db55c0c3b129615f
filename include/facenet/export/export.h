#pragma once
// Writers for the three export formats. Each writes only the embedding network in
// inference mode (dropout off, BatchNorm with running statistics) and carries `meta`.
// Files are written atomically; errors are facenet::Error naming the file.
#include <functional>
#include <string>

#include "facenet/core/config.h"
#include "facenet/infer/meta.h"
#include "facenet/models/facenet.h"

namespace onnx {
class ModelProto;
}
namespace facenet::models {
struct Graph;
}

namespace facenet::exporting {

/// ONNX (opset config.opset, dynamic batch, L2 normalisation in the graph, BN folded into the
/// preceding Conv/Gemm when config.fold_bn) checked with onnx::checker; metadata in
/// metadata_props["facenet.meta"] and in the sidecar `<path>.json`.
void export_onnx(models::FaceNetImpl& model, const infer::ExportMeta& meta, const ExportConfig& config,
                 const std::string& path);

/// The hook of export_onnx_graph: edits the model after the ops are emitted, before the check
/// and the digest (the int8 writer, src/quantize/onnx_qdq.cpp, adds its QDQ nodes here).
using OnnxEdit = std::function<void(onnx::ModelProto&)>;
/// export_onnx's writer for a layer graph already built (and folded) by the caller: values are
/// named "input", "v<id>" and "embeddings" (the graph's output), initializers "<op>.weight" and
/// "<op>.bias"; `edit`, when given, runs before onnx::checker. config.fold_bn is not read.
void export_onnx_graph(const models::Graph& graph, const infer::ExportMeta& meta, const ExportConfig& config,
                       const std::string& path, const OnnxEdit& edit = {});

/// TorchScript module (forward: (N, 3, S, S) -> (N, D) unit-norm embeddings), loadable by
/// torch::jit::load and torch.jit.load; metadata as attribute `facenet_meta` and extra file `meta.json`.
void export_torchscript(models::FaceNetImpl& model, const infer::ExportMeta& meta, const std::string& path);

/// A pickled name -> tensor dict (torch.load reads it as a plain dict). `layout`:
/// "facenet-pytorch" (timesler's InceptionResnetV1 keys; Inception-ResNet-v1 only) or
/// "seed" (bubbliiiing's keys; MobileNet only). Throws ConfigError for a layout/backbone mismatch.
void export_state_dict(models::FaceNetImpl& model, const std::string& layout, const std::string& path);

/// Writes the sidecar `<path>.json` holding infer::meta_to_json(meta).
void write_sidecar(const std::string& path, const infer::ExportMeta& meta);

}  // namespace facenet::exporting
