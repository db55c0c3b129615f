#pragma once
// A content digest for the zip archives LibTorch writes (checkpoints, TorchScript exports):
// CRC-32C over every byte of the archive before its end-of-central-directory comment, stored as
// that comment ("facenet-crc32c:xxxxxxxx"). The zip stays a valid zip for LibTorch and PyTorch
// (readers find the directory from the end and skip the comment); a flipped byte anywhere in the
// entries or the directory no longer matches.
#include <string>

namespace facenet {

/// Appends the digest comment to the zip at `path` (in place; call on the temporary file
/// before the atomic rename). Throws facenet::Error when it is not a zip without a comment.
void seal_zip(const std::string& path);

enum class DigestCheck { Intact, NoDigest };

/// Recomputes the digest of the zip at `path`. Throws facenet::Error naming the file and what
/// is damaged when it does not match or the archive's end is corrupt. A zip written before
/// digests (or by another tool) has its entries checked instead (verify_zip_entries) and gives
/// NoDigest.
DigestCheck verify_zip(const std::string& path);

/// Zip's own check, which LibTorch's reader skips: every stored entry's bytes against the CRC-32
/// its central-directory record states (zip64 included). Throws facenet::Error naming the file
/// and the entry on a mismatch or a directory that points outside the file.
void verify_zip_entries(const std::string& path);

}  // namespace facenet
