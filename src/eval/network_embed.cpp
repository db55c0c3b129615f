#include "facenet/eval/network_embed.h"

#include <torch/torch.h>

#include "facenet/data/preprocess.h"

namespace facenet::eval {

EmbedFn network_embed_fn(models::FaceNet model, const PreprocessConfig& preprocess, int threads) {
  return [model, preprocess, threads](const std::vector<std::string>& paths, bool flipped) mutable {
    torch::NoGradGuard no_grad;
    const bool was_training = model->is_training();
    model->eval();
    const auto device = model->parameters().front().device();
    auto images = data::load_images(paths, preprocess, flipped, threads).to(device);
    auto embeddings = model->forward(images).to(torch::kCPU);
    if (was_training) model->train();
    return embeddings;
  };
}

}  // namespace facenet::eval
