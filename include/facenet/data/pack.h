#pragma once
// insightface training packs: a folder with train.rec (MXNet RecordIO), train.idx
// (`key<TAB>byte offset` lines) and property (`num_identities,height,width`).
//
// insightface's layout (face2rec2.py, arcface_torch's MXFaceDataset):
//   record 0               header: IRHeader flag 2, labels (first, end)
//   records 1 .. first-1   images: IRHeader label = identity (or labels[0] when flag > 0), then the encoded image
//   records first .. end-1 one per identity, in label order: flag 2, labels (start, stop) = its image records
// Packs without the header record (plain im2rec output, every record an image) load too:
// the labels are then read from each record's IRHeader through the index.
//
// This header is the reader and the digest; pack_source.h reads a pack as a dataset Source,
// pack_writer.h writes one from a dataset and unpacks one into a folder tree.
#include <cstdint>
#include <string>
#include <vector>

#include "facenet/data/recordio.h"

namespace facenet::data {

/// A pack opened for random access. Holds only a compact index (offset, record key and label
/// per image: 16 bytes an image), never the image bytes; read_image is thread-safe.
class PackReader {
 public:
  /// `path`: the pack folder or its .rec file (the .idx is the same path with .idx; `property`
  /// sits in the same folder and is optional for header-less packs). Throws facenet::Error
  /// naming file:line for a malformed index, and file + byte offset for a bad header record.
  explicit PackReader(const std::string& path);

  const std::string& rec_path() const { return file_.path(); }
  const std::string& idx_path() const { return idx_path_; }
  /// True when facenet.digest was found and the index and property matched it.
  bool digest_verified() const { return digest_verified_; }
  /// True when record 0 is insightface's header record.
  bool has_header_record() const { return has_header_; }

  int64_t num_images() const { return static_cast<int64_t>(offsets_.size()); }
  /// From `property` when present (and not smaller than the labels need), else max label + 1.
  int64_t num_identities() const { return num_identities_; }
  /// From `property`; 0 when unknown.
  int64_t height() const { return height_; }
  int64_t width() const { return width_; }

  /// Image i's identity label, record key (its line's key in the .idx) and byte offset.
  int64_t label(int64_t image) const { return labels_.at(static_cast<std::size_t>(image)); }
  int64_t record(int64_t image) const { return keys_.at(static_cast<std::size_t>(image)); }
  uint64_t offset(int64_t image) const { return offsets_.at(static_cast<std::size_t>(image)); }
  /// Image indices of each label (index = label).
  std::vector<std::vector<int64_t>> by_identity() const;

  /// Image i's whole record and its header.
  std::string read_record(int64_t image) const;
  /// Image i's encoded image bytes (the record after its IRHeader). Throws facenet::Error
  /// naming the .rec file and byte offset for a bad record.
  std::string read_image(int64_t image) const;
  /// "<rec path>#<record key>" for messages.
  std::string describe(int64_t image) const;

 private:
  recordio::RecordFile file_;
  std::string idx_path_;
  bool has_header_ = false;
  bool digest_verified_ = false;
  int64_t num_identities_ = 0, height_ = 0, width_ = 0;
  std::vector<uint64_t> offsets_;
  std::vector<uint32_t> keys_;
  std::vector<int32_t> labels_;
};

/// The digest file `facenet pack` writes beside train.rec/train.idx/property (insightface's
/// readers ignore it): `<file> crc32c <8 hex> size <bytes>` lines for the three files.
/// PackReader verifies the index and property against it when it exists; verify_pack_records
/// checks train.rec too (a full read).
inline constexpr const char* kPackDigestFile = "facenet.digest";

/// Writes <folder>/facenet.digest for the pack in `folder` (atomically).
void write_pack_digest(const std::string& folder);

/// Checks train.rec against facenet.digest (reads the whole file). Returns false when the pack
/// has no digest file; throws facenet::Error naming the file when it does not match.
bool verify_pack_records(const PackReader& pack);

/// True when `path` is a .rec file or a folder holding train.rec.
bool is_pack(const std::string& path);

}  // namespace facenet::data
