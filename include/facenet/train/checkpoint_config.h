#pragma once
// Torch-free access to a checkpoint's embedded config (for the CLI).
#include <string>

#include "facenet/core/config.h"

namespace facenet::train {

/// The resolved config stored in a checkpoint. Throws facenet::Error for a bad file.
Config checkpoint_config(const std::string& path);

}  // namespace facenet::train
