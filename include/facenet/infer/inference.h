#pragma once
// The fast inference path: the eval-mode embedding network compiled the way PyTorch's fastest
// CPU deployment is (BatchNorm folded into the preceding conv/linear, a TorchScript graph
// frozen and passed through optimize_for_inference, which pre-packs weights for oneDNN and
// fuses conv+relu). Used by eval, embed/verify/identify, Embedder and `facenet bench`.
#include <torch/types.h>

#include <functional>
#include <string>

#include "facenet/core/precision.h"
#include "facenet/infer/embed_fn.h"
#include "facenet/models/facenet.h"

namespace torch::jit {
struct Module;
}

namespace facenet::infer {

/// Compiles a snapshot of `model`'s current weights (later training does not change it).
/// BF16 runs the folded, frozen graph in bf16 (fp32 images in, fp32 unit-norm embeddings out);
/// FP16 is not offered on the CPU (pass FP32 or BF16).
InferenceFn compile_for_inference(models::FaceNetImpl& model, Precision precision = Precision::FP32);

/// Freezes and optimises a loaded TorchScript embedding module (e.g. a facenet export).
InferenceFn compile_for_inference(const torch::jit::Module& module, Precision precision = Precision::FP32);

/// The precision to compile a network loaded from `path` in for runtime.inference_dtype `dtype`
/// on this CPU: fp32 for fp32; bf16 where asked and native (a ConfigError where asked and
/// missing), logged with what bf16 costs or saves here.
Precision inference_precision(InferenceDtype dtype, const std::string& path);

/// Multiply-accumulates per image of the embedding network at image_size x image_size
/// (convolutions and the linear layer), for FLOP-rate figures: FLOPs = 2 x MACs.
int64_t inference_macs(models::FaceNetImpl& model, int64_t image_size);

}  // namespace facenet::infer
