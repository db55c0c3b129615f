#pragma once
// The annotation list source: `<label>;<path>` lines (the original FaceNet code's cls_train.txt).
#include <string>

#include "facenet/data/dataset.h"
#include "facenet/data/source_registry.h"

namespace facenet::data {

/// Reads `<label>;<path>` lines; relative paths resolve against the file's folder; blank
/// lines and `#` comments are skipped. Identity names come from each label's first image's
/// parent folder. Throws facenet::Error naming file:line for a malformed line.
Dataset read_annotation(const std::string& path);

/// Writes `<label>;<absolute path>` lines (atomically) for a dataset of files (a sample's name is its path).
void write_annotation(const Dataset& dataset, const std::string& path);

/// "annotation": data.annotation.
SourceKind annotation_source_kind();

}  // namespace facenet::data
