#pragma once
// A TorchScript module written as every model file of the project is written: serialised in
// memory first (LibTorch's file writer throws from a destructor when a write fails; this one
// reports a full disk cleanly), then written atomically and sealed with the content digest that
// load_network verifies (zip_digest.h).
#include <torch/script.h>

#include <string>

namespace facenet {

/// Saves `module` with `extra` files to `path`. Throws facenet::Error naming `path` when the
/// module cannot be serialised or the file cannot be written.
void save_sealed_script(const torch::jit::Module& module, const torch::jit::ExtraFilesMap& extra,
                        const std::string& path);

}  // namespace facenet
