#pragma once
// The folder-scan index cache (private to src/data): a text file listing every identity
// and image, reused while the identity folders' names and mtimes are unchanged.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "facenet/data/dataset.h"

namespace facenet::data {

/// Hash of the identity folders' names and modification times (adding or removing an
/// image changes its folder's mtime; adding or removing a folder changes the list).
std::string index_signature(const std::vector<std::filesystem::path>& identity_dirs);

/// The cached dataset when a cache for `root` with this signature exists.
std::optional<Dataset> load_index(const std::filesystem::path& root, const std::string& signature,
                                  const std::string& cache_dir);

/// Writes <root>/.facenet_index.txt, or the cache dir's copy when the root is read-only.
void save_index(const std::filesystem::path& root, const std::string& signature, const Dataset& dataset,
                const std::string& cache_dir);

}  // namespace facenet::data
