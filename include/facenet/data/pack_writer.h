#pragma once
// Writing insightface packs (pack.h describes the layout) from a dataset, and unpacking one
// into a folder tree.
#include <cstdint>
#include <string>

#include "facenet/data/dataset.h"
#include "facenet/data/pack.h"

namespace facenet::data {

struct PackOptions {
  /// 0 = store each image's file bytes as they are. > 0 = images already size x size are
  /// stored byte for byte; others are decoded, resized (area when shrinking, else bilinear)
  /// to size x size and re-encoded as JPEG quality 95.
  int64_t size = 0;
  /// `property` height/width when size is 0 (0 = the first image's size, when it decodes).
  int64_t property_height = 0, property_width = 0;
};

struct PackStats {
  int64_t images = 0;
  int64_t identities = 0;
  int64_t resized = 0;  ///< re-encoded to size x size
  int64_t skipped = 0;  ///< unreadable (size > 0 only: with size 0 the bytes are stored unchecked)
};

/// Writes train.rec, train.idx and property (each atomically) in insightface's layout:
/// record 0 = header (flag 2, labels (first, end)); records 1..first-1 = images in dataset
/// order (flag 0, label = identity, id = record index, id2 = 0); records first..end-1 = one per
/// label 0..n-1 (flag 2, labels (start, stop), id = record index, id2 = 0, no image bytes).
/// Images are read through the dataset's source (a pack's through its records). Throws
/// facenet::Error.
PackStats write_pack(const Dataset& dataset, const std::string& out_dir, const PackOptions& options = {});

/// Writes out_dir/<label>/<record>.<jpg|png|bmp|...> with each image's stored bytes (label and
/// record zero-padded to equal width so a folder scan keeps pack order), so unpacking and
/// write_pack with size 0 give back a byte-identical train.rec. Returns the images written.
int64_t unpack(const PackReader& pack, const std::string& out_dir);

/// File extension (with the dot) for encoded image bytes by their magic: .jpg .png .bmp .gif
/// .webp .tif, ".bin" when unknown.
std::string image_extension(const std::string& bytes);

}  // namespace facenet::data
