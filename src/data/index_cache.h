#pragma once
// The folder source's index cache (private to folder_source.cpp): a text file listing every
// identity and image, reused while the identity folders' names and mtimes are unchanged.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "facenet/data/file_source.h"

namespace facenet::data {

/// Hash of the identity folders' names and modification times (adding or removing an
/// image changes its folder's mtime; adding or removing a folder changes the list).
std::string index_signature(const std::vector<std::filesystem::path>& identity_dirs);

/// The cached file list when a cache for `root` with this signature exists.
std::optional<FileList> load_index(const std::filesystem::path& root, const std::string& signature,
                                   const std::string& cache_dir);

/// Writes <root>/.facenet_index.txt, or the cache dir's copy when the root is read-only.
void save_index(const std::filesystem::path& root, const std::string& signature, const FileList& list,
                const std::string& cache_dir);

}  // namespace facenet::data
