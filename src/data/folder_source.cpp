// The folder tree source: root/<identity>/<image>, scanned once and cached (index_cache.h).
#include "facenet/data/folder_source.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <filesystem>

#include "facenet/core/error.h"
#include "facenet/data/file_source.h"
#include "index_cache.h"

namespace facenet::data {
namespace fs = std::filesystem;

namespace {

bool hidden(const fs::path& p) {
  const auto name = p.filename().string();
  return !name.empty() && name[0] == '.';
}

/// Identity folders (sorted), for the scan and the cache signature.
std::vector<fs::path> identity_folders(const fs::path& root) {
  std::vector<fs::path> dirs;
  for (const auto& entry : fs::directory_iterator(root))
    if (entry.is_directory() && !hidden(entry.path())) dirs.push_back(entry.path());
  std::sort(dirs.begin(), dirs.end(), [](const fs::path& a, const fs::path& b) {
    return a.filename().string() < b.filename().string();
  });
  return dirs;
}

FileList scan_tree(const fs::path& root, const std::vector<fs::path>& dirs) {
  FileList list;
  int64_t empty = 0, ignored = 0;
  for (const auto& dir : dirs) {
    std::vector<std::string> images;
    for (const auto& entry : fs::directory_iterator(dir)) {
      if (!entry.is_regular_file() || hidden(entry.path())) continue;
      if (is_image_path(entry.path().string()))
        images.push_back(entry.path().string());
      else
        ++ignored;
    }
    if (images.empty()) {
      ++empty;
      continue;
    }
    std::sort(images.begin(), images.end());
    const auto label = static_cast<int64_t>(list.identities.size());
    list.identities.push_back(dir.filename().string());
    for (auto& p : images) list.files.push_back({std::move(p), label});
  }
  if (empty) spdlog::info("[data] {}: skipped {} identity folders without images", root.string(), empty);
  if (ignored) spdlog::info("[data] {}: ignored {} non-image files", root.string(), ignored);
  return list;
}

std::shared_ptr<const FileSource> open_folder(const std::string& root_path, const ScanOptions& options) {
  const fs::path root(root_path);
  std::error_code ec;
  if (!fs::is_directory(root, ec)) throw Error("dataset root '" + root_path + "' does not exist or is not a folder");
  const auto dirs = identity_folders(root);
  const auto signature = index_signature(dirs);
  if (options.use_cache) {
    if (auto cached = load_index(root, signature, options.cache_dir)) {
      spdlog::debug("[data] {}: using the cached index", root_path);
      return std::make_shared<FileSource>(std::move(*cached));
    }
  }
  auto list = scan_tree(root, dirs);
  if (list.files.empty())
    throw Error("dataset root '" + root_path + "' holds no images (expected root/<identity>/<image>)");
  if (options.use_cache) save_index(root, signature, list, options.cache_dir);
  return std::make_shared<FileSource>(std::move(list));
}

}  // namespace

Dataset scan_folder(const std::string& root, const ScanOptions& options) {
  return dataset_of(open_folder(root, options));
}

SourceKind folder_source_kind() {
  return {"folder", [](const DataConfig& config) { return config.root; },
          [](const std::string& root, const DataConfig& config) -> std::shared_ptr<const Source> {
            ScanOptions options;
            options.use_cache = config.cache_index;
            return open_folder(root, options);
          }};
}

}  // namespace facenet::data
