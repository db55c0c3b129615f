#pragma once
// Torch-free entry points for `facenet export` and `facenet import`.
#include <string>

#include "facenet/core/config.h"

namespace facenet::tasks {

/// Loads `checkpoint` and writes it as config.format to `out` (ONNX also writes `<out>.json`).
/// Returns a one-line summary. Throws facenet::Error naming the file on failure.
std::string run_export(const std::string& checkpoint, const ExportConfig& config, const std::string& out);

/// Reads a facenet-pytorch (timesler InceptionResnetV1) state dict saved by torch.save and writes
/// a facenet checkpoint to `out` (embedding size from last_linear.weight; preprocessing: RGB 160 px,
/// fixed standardisation, as the port expects). `layout` must be "facenet-pytorch".
std::string run_import(const std::string& layout, const std::string& file, const std::string& out);

}  // namespace facenet::tasks
