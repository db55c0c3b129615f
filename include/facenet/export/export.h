#pragma once
// Writers for the three export formats. Each writes only the embedding network in
// inference mode (dropout off, BatchNorm with running statistics) and carries `meta`.
// Files are written atomically; errors are facenet::Error naming the file.
#include <string>

#include "facenet/core/config.h"
#include "facenet/infer/meta.h"
#include "facenet/models/facenet.h"

namespace facenet::exporting {

/// ONNX (opset config.opset, dynamic batch, L2 normalisation in the graph, BN folded into the
/// preceding Conv/Gemm when config.fold_bn) checked with onnx::checker; metadata in
/// metadata_props["facenet.meta"] and in the sidecar `<path>.json`.
void export_onnx(models::FaceNetImpl& model, const infer::ExportMeta& meta, const ExportConfig& config,
                 const std::string& path);

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
