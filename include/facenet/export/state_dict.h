#pragma once
// Plain name -> tensor dicts as PyTorch's torch.save/torch.load see them, and importing
// timesler/facenet-pytorch InceptionResnetV1 weights into our model.
#include <torch/types.h>

#include <string>
#include <utility>
#include <vector>

#include "facenet/core/state_dict_file.h"
#include "facenet/models/facenet.h"

namespace facenet::exporting {

using facenet::NamedTensors;
using facenet::read_state_dict;

/// Our model's parameters and buffers (num_batches_tracked included) under `layout`'s names.
NamedTensors layout_state(models::FaceNetImpl& model, const std::string& layout);

/// Copies a facenet-pytorch (timesler) state dict into `model` (Inception-ResNet-v1). `logits.*`
/// keys are ignored (logged); unknown keys, missing keys or shape mismatches throw facenet::Error
/// listing them all, naming `origin`.
void load_port_state(models::FaceNetImpl& model, const NamedTensors& state, const std::string& origin);

}  // namespace facenet::exporting
