#pragma once
// Shared by the export tests: models with non-trivial BatchNorm statistics, synthetic face
// inputs, checkpoints written without training.
#include <torch/torch.h>
#include <unistd.h>

#include <filesystem>
#include <opencv2/core.hpp>
#include <string>

#include "facenet/data/preprocess.h"
#include "facenet/data/synth.h"
#include "facenet/models/facenet.h"
#include "facenet/checkpoint/checkpoint.h"

namespace facenet::test {

/// A file in this process's scratch folder, removed when the test binary exits.
inline std::string temp_path(const std::string& name) {
  static const struct Dir {
    std::filesystem::path path =
        std::filesystem::temp_directory_path() / ("facenet_export_" + std::to_string(::getpid()));
    Dir() { std::filesystem::create_directories(path); }
    ~Dir() {
      std::error_code ec;
      std::filesystem::remove_all(path, ec);
    }
  } dir;
  return (dir.path / name).string();
}

inline cv::Mat synth_face(int64_t identity, int64_t image, int size = 160);
inline torch::Tensor synth_batch(int n, const PreprocessConfig& pre);

/// A model whose BN layers have random affine parameters and running statistics, so that
/// folding and inference-mode BN are really exercised; the statistics start from real
/// `image_size` inputs so that embeddings differ between faces. Eval mode.
inline models::FaceNet random_model(Backbone backbone, int64_t embedding_size, int64_t image_size,
                                    uint64_t seed = 1) {
  torch::manual_seed(seed);
  ModelConfig mc;
  mc.backbone = backbone;
  mc.embedding_size = embedding_size;
  auto model = models::make_model(mc);
  torch::NoGradGuard no_grad;
  // One train-mode pass with momentum 1 makes every running statistic that of real inputs
  // (so activations neither vanish nor explode), then all BN tensors are perturbed.
  PreprocessConfig pre;
  pre.image_size = image_size;
  std::vector<torch::nn::BatchNormOptions*> options;
  for (auto& m : model->modules(false)) {
    if (auto* bn = m->as<torch::nn::BatchNorm2dImpl>()) options.push_back(&bn->options);
    if (auto* bn = m->as<torch::nn::BatchNorm1dImpl>()) options.push_back(&bn->options);
  }
  for (auto* o : options) o->momentum(1.0);
  model->train();
  model->forward(synth_batch(4, pre));
  model->eval();
  for (auto* o : options) o->momentum(0.1);
  auto perturb = [](torch::Tensor& w, torch::Tensor& b, torch::Tensor& mean, torch::Tensor& var) {
    w.uniform_(0.7, 1.3);
    b.uniform_(-0.2, 0.2);
    mean.add_(0.1 * var.sqrt() * torch::randn_like(mean));
    var.mul_(torch::empty_like(var).uniform_(0.7, 1.4));
  };
  for (auto& m : model->modules(false)) {
    if (auto* bn = m->as<torch::nn::BatchNorm2dImpl>()) perturb(bn->weight, bn->bias, bn->running_mean, bn->running_var);
    if (auto* bn = m->as<torch::nn::BatchNorm1dImpl>()) perturb(bn->weight, bn->bias, bn->running_mean, bn->running_var);
  }
  return model;
}

inline cv::Mat synth_face(int64_t identity, int64_t image, int size) {
  cv::Mat face;
  data::render_synth_face(11, 0, identity, image, size, face);
  return face;
}

/// (n, 3, S, S) preprocessed synthetic faces of n identities.
inline torch::Tensor synth_batch(int n, const PreprocessConfig& pre) {
  std::vector<torch::Tensor> items;
  for (int i = 0; i < n; ++i) items.push_back(data::preprocess_image(synth_face(i, 0), pre));
  return torch::stack(items);
}

/// Writes `model` as a checkpoint with image size `image_size` and threshold `threshold`.
inline void write_checkpoint(const std::string& path, models::FaceNet& model, int64_t image_size, double threshold,
                             const CropConfig& crop = {}) {
  Config config;
  config.model = model->options();
  config.data.preprocess.image_size = image_size;
  config.data.crop = crop;
  facenet::TrainingState state;
  state.threshold_at_far = threshold;
  facenet::save_checkpoint(path, {config, state, 0, *model});
}

inline double max_abs_diff(const torch::Tensor& a, const torch::Tensor& b) {
  return (a.to(torch::kDouble) - b.to(torch::kDouble)).abs().max().item<double>();
}

}  // namespace facenet::test
