#pragma once
// train.init_from: the weights a fine-tuning run starts from. Any network file facenet writes or
// imports (a checkpoint of any run, a `facenet import` file, a TorchScript export, a state-dict
// export in either layout, or facenet-pytorch's own state dict) is read into this model's
// parameter names, and every tensor's shape is checked before anything is copied, so a wrong
// file is refused in the preflight with one line and no run folder.
#include <torch/nn/module.h>

#include <string>
#include <vector>

#include "facenet/core/config.h"
#include "facenet/core/state_dict_file.h"
#include "facenet/models/facenet.h"

namespace facenet::train {

struct InitWeights {
  std::string path;
  std::string digest;  ///< "crc32c:xxxxxxxx" of the file's bytes (train.init_digest)
  std::string kind;    ///< "checkpoint", "torchscript export", "state-dict export (<layout> layout)"
  Backbone backbone = Backbone::MobileNet;
  NamedTensors network;  ///< this model's key -> the file's tensor (num_batches_tracked may be absent)
  /// The classification head, read only when asked (checkpoints only).
  NamedTensors head;
  int64_t head_classes = 0;
  std::string head_identities;  ///< the source run's identities digest ("" = not recorded)
};

/// "crc32c:xxxxxxxx" of the file at `path` (read in blocks).
std::string file_digest(const std::string& path);

/// A digest of an identity list (names and order), as checkpoints record it.
std::string identities_digest(const std::vector<std::string>& identities);

/// Reads `path` for `model`. `with_head`: also the classification head of a checkpoint (whose
/// loss.head must be `head_name`). Throws facenet::Error prefixed "train.init_from:" naming the
/// file when it is missing or damaged (its digest), ConfigError naming both backbones (or both
/// embedding sizes) when it holds another network, and Error naming the tensor and both shapes
/// when a tensor does not fit.
InitWeights read_init_weights(const std::string& path, models::FaceNetImpl& model, bool with_head = false,
                              const std::string& head_name = "");

/// Checks every shape of `weights` against `model` (and `head`), then copies them in.
void load_init_weights(const InitWeights& weights, models::FaceNetImpl& model, torch::nn::Module* head = nullptr);

}  // namespace facenet::train
