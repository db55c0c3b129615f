#pragma once
// A collection as a `facenet enroll` gallery file (*.fgal, infer/gallery.h): every face a row,
// its person the identity. Import is Store::import_faces (persons matched by name).
#include <string>

#include "facenet/infer/gallery.h"
#include "facenet/serve/store.h"

namespace facenet::serve {

/// The collection's faces as a gallery of the model at `model_path` (`meta` its metadata).
infer::Gallery collection_gallery(Store& store, const CollectionRow& collection, const std::string& model_path,
                                  const infer::ExportMeta& meta);

}  // namespace facenet::serve
