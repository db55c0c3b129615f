#pragma once
// Loads any embedding network facenet reads: a file of any format in the network-format table
// (infer/network_format.h: TorchScript exports, training checkpoints, ONNX exports run by
// OpenCV DNN, and whatever else is registered). Used by Embedder, the embed/verify/identify
// commands, and `facenet eval` (load_embedding_network).
#include <torch/types.h>

#include <functional>
#include <string>

#include "facenet/core/precision.h"
#include "facenet/infer/embed_fn.h"
#include "facenet/infer/foreign.h"
#include "facenet/infer/meta.h"
#include "facenet/infer/network_format.h"

namespace facenet::infer {

/// Recognises the file's format by content (each row's sniffing rule, in the table's order)
/// and loads it with that row, which verifies its content digest. Throws facenet::Error naming
/// the file when it is missing, of no format the table loads, damaged (a digest mismatch) or
/// corrupt.
/// `dtype` (runtime.inference_dtype) picks the precision of the compiled network: bf16 where
/// the CPU has it natively (a ConfigError where it is asked for and missing); ONNX models run
/// in OpenCV DNN in fp32 whatever is asked (logged).
/// `stated`: a foreign ONNX model's preprocessing (flags; its sidecar is read too: infer/foreign.h).
LoadedNetwork load_network(const std::string& path, InferenceDtype dtype = InferenceDtype::FP32,
                           const PreprocessStatement& stated = {});

/// What `facenet eval` needs to evaluate an exported model (or a checkpoint).
struct EmbeddingNetwork {
  EmbedFn embed;           ///< image files -> (N, D) embeddings with the stored preprocessing
  BytesEmbedFn embed_bytes;  ///< encoded images (e.g. a .bin set's) -> the same
  PreprocessConfig preprocess;   ///< the stored preprocessing
  ExportMeta meta;
};
EmbeddingNetwork load_embedding_network(const std::string& path, int threads = 0,
                                        InferenceDtype dtype = InferenceDtype::FP32,
                                        const PreprocessStatement& stated = {});

}  // namespace facenet::infer
