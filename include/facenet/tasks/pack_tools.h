#pragma once
// `facenet pack` and `facenet unpack`: insightface training packs (train.rec, train.idx,
// property) from a folder tree or an annotation file, and back to a folder tree. Torch-free.
#include <cstdint>
#include <string>

namespace facenet::tasks {

struct PackResult {
  int64_t images = 0;
  int64_t identities = 0;
  int64_t resized = 0;  ///< re-encoded to size x size
  int64_t skipped = 0;  ///< unreadable images left out (size > 0 only)
};

/// Packs `input` (a folder tree root/<identity>/<image>, an annotation file of `<label>;<path>`
/// lines, or another pack) into out_dir/train.rec, train.idx, property. `size` 0 stores each
/// image's bytes as they are; > 0 resizes images not already size x size (data::write_pack).
PackResult run_pack(const std::string& input, const std::string& out_dir, int64_t size = 0);

/// Unpacks a pack (folder or .rec) into out_dir/<label>/<record>.<ext>; returns images written.
/// Packing that folder again with size 0 gives a byte-identical train.rec.
int64_t run_unpack(const std::string& pack, const std::string& out_dir);

}  // namespace facenet::tasks
