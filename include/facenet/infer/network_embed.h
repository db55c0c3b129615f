#pragma once
// The evaluator's embedding function for a FaceNet network: preprocess with the
// checkpoint's spec, run in eval mode without gradients.
#include "facenet/core/config.h"
#include "facenet/core/precision.h"
#include "facenet/infer/embed_fn.h"
#include "facenet/models/facenet.h"

namespace facenet::infer {

/// An EmbedFn over `model` in inference mode. On the CPU it runs the compiled inference path
/// (infer/inference.h), recompiled whenever the weights changed; on CUDA it runs eagerly in
/// eval mode (restoring the training mode afterwards).
EmbedFn network_embed_fn(models::FaceNet model, const PreprocessConfig& preprocess, int threads = 0,
                         Precision precision = Precision::FP32);

/// The network as an InferenceFn (preprocessed images -> unit-norm embeddings), compiled as
/// network_embed_fn does (one compilation per set of weights, shared by the functions below).
/// BF16/FP16: the compiled bf16 graph on the CPU, autocast on CUDA.
InferenceFn network_inference_fn(models::FaceNet model, Precision precision = Precision::FP32);

/// Image files or encoded bytes through `forward` with `preprocess` (decode on `threads`).
EmbedFn files_embed_fn(InferenceFn forward, const PreprocessConfig& preprocess, int threads = 0);
BytesEmbedFn bytes_embed_fn(InferenceFn forward, const PreprocessConfig& preprocess, int threads = 0);

}  // namespace facenet::infer
