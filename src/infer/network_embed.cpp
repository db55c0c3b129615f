#include "facenet/infer/network_embed.h"

#include <torch/torch.h>

#include "facenet/data/preprocess.h"
#include "facenet/infer/inference.h"

namespace facenet::infer {
namespace {

/// Identifies the weights' current values: an optimiser step bumps every parameter's version.
int64_t weights_version(models::FaceNetImpl& model) {
  int64_t v = 0;
  for (const auto& p : model.parameters()) v += static_cast<int64_t>(p._version());
  for (const auto& b : model.buffers()) v += static_cast<int64_t>(b._version());
  return v;
}

}  // namespace

InferenceFn network_inference_fn(models::FaceNet model, Precision precision) {
  // CUDA models run eagerly; on the CPU the network is compiled (BN folded, frozen, oneDNN
  // pre-packed) once per set of weights, i.e. once per evaluation during training.
  struct Compiled {
    int64_t version = -1;
    InferenceFn forward;
  };
  auto compiled = std::make_shared<Compiled>();
  return [model, compiled, precision](const torch::Tensor& images) mutable {
    torch::NoGradGuard no_grad;
    const auto device = model->parameters().front().device();
    if (device.is_cpu()) {
      const auto version = weights_version(*model);
      if (version != compiled->version) {
        compiled->forward = infer::compile_for_inference(*model, precision);
        compiled->version = version;
      }
      return compiled->forward(images);
    }
    const bool was_training = model->is_training();
    model->eval();
    torch::Tensor embeddings;
    {
      AutocastScope autocast(precision, device.type());
      embeddings = model->forward(images.to(device)).to(torch::kCPU);
    }
    if (was_training) model->train();
    return embeddings;
  };
}

EmbedFn files_embed_fn(InferenceFn forward, const PreprocessConfig& preprocess, int threads) {
  return [forward = std::move(forward), preprocess, threads](const std::vector<std::string>& paths, bool flipped) {
    torch::NoGradGuard no_grad;
    return forward(data::load_images(paths, preprocess, flipped, threads));
  };
}

BytesEmbedFn bytes_embed_fn(InferenceFn forward, const PreprocessConfig& preprocess, int threads) {
  return [forward = std::move(forward), preprocess, threads](const std::vector<std::string>& encoded, bool flipped) {
    torch::NoGradGuard no_grad;
    return forward(data::decode_images(encoded, preprocess, flipped, threads));
  };
}

EmbedFn network_embed_fn(models::FaceNet model, const PreprocessConfig& preprocess, int threads, Precision precision) {
  return files_embed_fn(network_inference_fn(std::move(model), precision), preprocess, threads);
}

}  // namespace facenet::infer
