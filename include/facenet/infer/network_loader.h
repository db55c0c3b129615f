#pragma once
// Loads any embedding network facenet produces: a TorchScript export, a training
// checkpoint, or an ONNX export (run by OpenCV DNN). Used by Embedder, the embed/verify/
// identify commands, and `facenet eval` (load_embedding_network).
#include <torch/types.h>

#include <functional>
#include <string>

#include "facenet/core/precision.h"
#include "facenet/infer/embed_fn.h"
#include "facenet/infer/meta.h"

namespace facenet::infer {

enum class ModelKind { TorchScript, Checkpoint, ONNX };

struct LoadedNetwork {
  ModelKind kind = ModelKind::Checkpoint;
  ExportMeta meta;
  bool digest_verified = false;  ///< false only for files written before digests were recorded
  Precision precision = Precision::FP32;  ///< what forward computes in (ONNX: always fp32)
  /// (N, 3, S, S) preprocessed float images -> (N, D) unit-norm embeddings on the CPU, no grad.
  std::function<torch::Tensor(const torch::Tensor&)> forward;
};

/// Detects the file's kind by content (zip with extra/meta.json = TorchScript export, other
/// torch zip = checkpoint, protobuf with facenet.meta = ONNX) and verifies its content digest.
/// Throws facenet::Error naming the file when it is missing, of another kind, damaged (a digest
/// mismatch) or corrupt.
/// `dtype` (runtime.inference_dtype) picks the precision of the compiled network: bf16 where
/// the CPU has it natively (a ConfigError where it is asked for and missing); ONNX models run
/// in OpenCV DNN in fp32 whatever is asked (logged).
LoadedNetwork load_network(const std::string& path, InferenceDtype dtype = InferenceDtype::FP32);

/// What `facenet eval` needs to evaluate an exported model (or a checkpoint).
struct EmbeddingNetwork {
  EmbedFn embed;           ///< image files -> (N, D) embeddings with the stored preprocessing
  BytesEmbedFn embed_bytes;  ///< encoded images (e.g. a .bin set's) -> the same
  PreprocessConfig preprocess;   ///< the stored preprocessing
  ExportMeta meta;
};
EmbeddingNetwork load_embedding_network(const std::string& path, int threads = 0,
                                        InferenceDtype dtype = InferenceDtype::FP32);

}  // namespace facenet::infer
