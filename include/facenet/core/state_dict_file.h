#pragma once
// Plain name -> tensor dicts as Python's torch.save writes them (the state_dict() of a module:
// facenet-pytorch's weights, MTCNN's networks) and as export_state_dict writes them.
#include <torch/types.h>

#include <string>
#include <utility>
#include <vector>

namespace facenet {

using NamedTensors = std::vector<std::pair<std::string, torch::Tensor>>;

/// Reads a dict of tensors saved by Python's torch.save (zip format; OrderedDict state_dicts
/// included) or by export_state_dict, in file order. Throws facenet::Error naming the file when it
/// is unreadable or not a name -> tensor dict.
NamedTensors read_state_dict(const std::string& path);

}  // namespace facenet
