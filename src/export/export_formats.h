#pragma once
// The rows export registers into the network-format table (export_formats.cpp), each defined
// in the file that writes the format.
#include "facenet/infer/network_format.h"

namespace facenet::exporting {

infer::NetworkFormat onnx_writer();         ///< completes the inference layer's "onnx" row (onnx_export.cpp)
infer::NetworkFormat torchscript_writer();  ///< completes its "torchscript" row (torchscript_export.cpp)
infer::NetworkFormat state_dict_format();   ///< written only: nothing loads a bare state dict (state_dict.cpp)

}  // namespace facenet::exporting
