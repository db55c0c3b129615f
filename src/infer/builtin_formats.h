#pragma once
// The rows of the formats the inference layer loads by itself (network_formats() registers
// them), each defined in its own <name>_format.cpp.
#include "facenet/infer/network_format.h"

namespace facenet::infer {

NetworkFormat onnx_format();        ///< ONNX exports run by OpenCV DNN (onnx_format.cpp)
NetworkFormat torchscript_format(); ///< TorchScript exports (torchscript_format.cpp)
NetworkFormat checkpoint_format();
NetworkFormat int8_format();        ///< int8 models written by `facenet quantize` (int8_format.cpp)  ///< training checkpoints: loaded, never written (checkpoint_format.cpp)

/// The zip signature every torch archive (checkpoint, TorchScript export, state dict) starts with.
inline bool is_zip(const std::string& head) { return head.rfind(std::string("PK\x03\x04", 4), 0) == 0; }

/// torchscript_format's sniff: a torch archive holding extra/meta.json. Throws facenet::Error
/// naming the file for a zip that is not a readable archive.
bool is_torchscript_export(const std::string& path, const std::string& head);

}  // namespace facenet::infer
