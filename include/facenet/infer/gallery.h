#pragma once
// The gallery file (`facenet enroll`, *.fgal): a model's embeddings of known identities, made once
// and searched by `facenet identify` / `eval-identify` without re-embedding. Torch-free.
//
// Layout (little-endian):
//   offset 0   8 bytes  magic "FNGALLRY"
//          8   u32      format version (1)
//         12   u64      H = header length
//         20   H bytes  header, JSON: {"model_digest", "model", "meta" (the model's ExportMeta,
//                       preprocessing included), "dim", "rows", "mean", "identities" [names],
//                       "counts" [images per identity], "sources" [image per row]}
//              4*rows   i32 identity index of each row
//              4*rows*dim  f32 embeddings as the model gives them (means re-normalised), row-major
//   end - 4    u32      CRC-32C (Castagnoli) of every byte from offset 8 to end - 4
// Loading checks the size, magic, version, digest and that the header agrees with the arrays;
// any failure is one facenet::Error line naming the file.
#include <cstdint>
#include <string>
#include <vector>

#include "facenet/infer/meta.h"

namespace facenet::infer {

struct Gallery {
  std::string model_digest;  ///< model_digest() of the model that made the embeddings
  std::string model;         ///< its path when enrolled (for identify without --model)
  ExportMeta meta;           ///< its metadata (preprocessing, threshold, distance)
  bool mean = false;         ///< one re-normalised mean embedding per identity
  int64_t dim = 0;
  std::vector<std::string> identities;
  std::vector<int64_t> counts;       ///< images enrolled per identity
  std::vector<int32_t> labels;       ///< per row: index into identities
  std::vector<std::string> sources;  ///< per row: the image (or "mean of N")
  std::vector<float> embeddings;     ///< rows x dim

  int64_t rows() const { return static_cast<int64_t>(labels.size()); }
};

/// "crc32c:<8 hex>:<bytes>" of the model file's bytes: equal for the same file, different for
/// another one (an identity check, not an authentication). Throws naming the file when unreadable.
std::string model_digest(const std::string& model_path);

/// Serialises as described above.
std::string gallery_to_bytes(const Gallery& gallery);
/// Parses; throws facenet::Error "gallery '<origin>': <what is wrong>" (one line).
Gallery gallery_from_bytes(const std::string& bytes, const std::string& origin);

/// Written atomically.
void save_gallery(const std::string& path, const Gallery& gallery);
Gallery load_gallery(const std::string& path);

/// Throws facenet::Error naming both when `digest` is not the gallery's model.
void require_same_model(const Gallery& gallery, const std::string& gallery_path, const std::string& digest,
                        const std::string& model_path);

}  // namespace facenet::infer
