#pragma once
// Plain name -> tensor dicts as PyTorch's torch.save/torch.load see them, and importing
// timesler/facenet-pytorch InceptionResnetV1 weights into our model.
#include <torch/types.h>

#include <string>
#include <utility>
#include <vector>

#include "facenet/models/facenet.h"

namespace facenet::exporting {

using NamedTensors = std::vector<std::pair<std::string, torch::Tensor>>;

/// Our model's parameters and buffers (num_batches_tracked included) under `layout`'s names.
NamedTensors layout_state(models::FaceNetImpl& model, const std::string& layout);

/// Reads a dict of tensors saved by Python's torch.save (zip format; OrderedDict state_dicts
/// included) or by export_state_dict, in file order. Throws facenet::Error naming the file when it
/// is unreadable or not a name -> tensor dict.
NamedTensors read_state_dict(const std::string& path);

/// Copies a facenet-pytorch (timesler) state dict into `model` (Inception-ResNet-v1). `logits.*`
/// keys are ignored (logged); unknown keys, missing keys or shape mismatches throw facenet::Error
/// listing them all, naming `origin`.
void load_port_state(models::FaceNetImpl& model, const NamedTensors& state, const std::string& origin);

}  // namespace facenet::exporting
