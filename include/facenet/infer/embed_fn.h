#pragma once
// Shared vocabulary of the inference layer, free of project dependencies so that eval, export,
// train and the tools can all name it without including each other.
#include <torch/types.h>

#include <functional>
#include <string>
#include <vector>

namespace facenet {

/// Embeds image files: (N, D) float embeddings for `image_paths` (N files, full paths), of the
/// horizontally flipped images when `flipped`. Called under NoGradGuard, per batch of
/// eval.batch_size. Example: [&](auto& paths, bool flip) { return model->forward(load(paths, flip)); }
using EmbedFn = std::function<torch::Tensor(const std::vector<std::string>& image_paths, bool flipped)>;

/// Embeds encoded images (file bytes: JPEG, PNG, ...; e.g. the images of an insightface .bin
/// verification set): (N, D) float embeddings for `encoded` (N images), of the horizontally
/// flipped images when `flipped`. Same contract as EmbedFn otherwise.
using BytesEmbedFn = std::function<torch::Tensor(const std::vector<std::string>& encoded, bool flipped)>;

/// (N, 3, S, S) preprocessed float images on the CPU -> (N, D) unit-norm embeddings, no grad.
using InferenceFn = std::function<torch::Tensor(const torch::Tensor&)>;

}  // namespace facenet
