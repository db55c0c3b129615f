#pragma once
// The folder tree source: root/<identity>/<image> (the CASIA-WebFace and LFW layout).
#include <string>

#include "facenet/data/dataset.h"
#include "facenet/data/source_registry.h"

namespace facenet::data {

struct ScanOptions {
  bool use_cache = true;
  /// Where the index goes when the root is read-only; "" = $XDG_CACHE_HOME/facenet or ~/.cache/facenet.
  std::string cache_dir;
};

/// Scans root/<identity>/<image>. Identities are numbered by byte-wise sorted folder name;
/// folders without images and non-image files are skipped; hidden entries are ignored.
/// The index is cached in <root>/.facenet_index.txt (or the cache dir when the root is
/// read-only) and reused while every identity folder's name and mtime are unchanged.
/// Throws facenet::Error naming the root when it is missing or holds no images.
Dataset scan_folder(const std::string& root, const ScanOptions& options = {});

/// "folder": any data.root no other kind takes (the index cached as data.cache_index says).
SourceKind folder_source_kind();

}  // namespace facenet::data
