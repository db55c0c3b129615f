#include "facenet/data/source_registry.h"

#include <algorithm>
#include <mutex>

#include "facenet/core/error.h"
#include "facenet/data/annotation_source.h"
#include "facenet/data/folder_source.h"
#include "facenet/data/pack_source.h"

namespace facenet::data {

namespace {

/// The library's own kinds, in the order they are asked: the folder tree takes any data.root,
/// so it comes last. A new built-in source is one line here (and the include of its header).
std::vector<SourceKind> builtin_kinds() {
  return {annotation_source_kind(), pack_source_kind(), folder_source_kind()};
}

/// The kinds registered at run time. A function-local static: the one registry of the
/// process, filled by whoever adds a source (a program, a test) before loading data.
struct Registered {
  std::mutex mutex;
  std::vector<SourceKind> kinds;
};

Registered& registered() {
  static Registered r;
  return r;
}

}  // namespace

void register_source(SourceKind kind) {
  if (kind.name.empty() || !kind.locate || !kind.open)
    throw Error("register_source: a source kind needs a name, a locate and an open function");
  auto& r = registered();
  std::lock_guard<std::mutex> lock(r.mutex);
  const auto same = std::find_if(r.kinds.begin(), r.kinds.end(), [&](const SourceKind& k) { return k.name == kind.name; });
  if (same != r.kinds.end())
    *same = std::move(kind);
  else
    r.kinds.push_back(std::move(kind));
}

std::vector<SourceKind> source_kinds() {
  std::vector<SourceKind> kinds;
  {
    auto& r = registered();
    std::lock_guard<std::mutex> lock(r.mutex);
    kinds = r.kinds;
  }
  for (auto& builtin : builtin_kinds()) {
    const bool replaced = std::any_of(kinds.begin(), kinds.end(), [&](const SourceKind& k) { return k.name == builtin.name; });
    if (!replaced) kinds.push_back(std::move(builtin));
  }
  return kinds;
}

OpenedSource open_source(const DataConfig& config) {
  for (const auto& kind : source_kinds()) {
    auto location = kind.locate(config);
    if (location.empty()) continue;
    auto source = kind.open(location, config);
    if (!source) throw Error("the " + kind.name + " source opened nothing for '" + location + "'");
    return {kind.name, std::move(location), std::move(source)};
  }
  throw ConfigError(
      "no dataset: set data.root (a folder tree or a pack folder), data.rec (an insightface train.rec) or "
      "data.annotation (a <label>;<path> file)");
}

}  // namespace facenet::data
