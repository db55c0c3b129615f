#pragma once
// Choosing a dataset's source from the config. Each kind of source is registered once: its
// name, where the config locates its data (which also says whether the config selects it),
// and how to open it. open_source asks the kinds in order and opens the first one selected.
//
// Adding a source: one file with a Source implementation and a SourceKind, and one line,
// `register_source(my_kind())`, in the program that uses it (the library's own kinds are the
// table in source_registry.cpp). tests/data/toy_source_test.cpp is a worked example.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "facenet/core/config.h"
#include "facenet/data/source.h"

namespace facenet::data {

struct SourceKind {
  std::string name;  ///< "annotation", "pack", "folder", ...: in logs and `bench-data` output
  /// Where this kind finds its data in `config` (a path, or any text the kind understands),
  /// or "" when the config does not select it.
  std::function<std::string(const DataConfig& config)> locate;
  /// Opens the source at `location` (what locate returned). Throws facenet::Error.
  std::function<std::shared_ptr<const Source>(const std::string& location, const DataConfig& config)> open;
};

/// Adds a kind of source, or replaces the kind of the same name. Registered kinds are asked
/// first, in the order they were registered, then the library's own: annotation
/// (data.annotation), pack (data.rec, or a data.root holding train.rec), folder (any other
/// data.root). Throws facenet::Error for a kind without a name, locate or open.
void register_source(SourceKind kind);

/// Every kind, in the order open_source asks them.
std::vector<SourceKind> source_kinds();

struct OpenedSource {
  std::string kind;      ///< the kind's name
  std::string location;  ///< what its locate returned (the config value, as written)
  std::shared_ptr<const Source> source;
};

/// The first kind `config` selects, opened. Throws ConfigError when no kind is selected.
OpenedSource open_source(const DataConfig& config);

}  // namespace facenet::data
