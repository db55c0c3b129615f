#include "facenet/core/zip_digest.h"

#include <fmt/format.h>

#include <cstdint>
#include <cstring>
#include <fstream>

#include "facenet/core/error.h"
#include "facenet/core/fs.h"

namespace facenet {
namespace {

constexpr uint32_t kEndOfDirectory = 0x06054b50;  // "PK\5\6"
constexpr std::size_t kEndRecord = 22;             // the record without its comment
constexpr const char* kPrefix = "facenet-crc32c:";

uint32_t le32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
uint16_t le16(const char* p) {
  uint16_t v;
  std::memcpy(&v, p, 2);
  return v;
}

/// The archive's end: its last bytes (the end-of-central-directory record and any comment fit
/// in 22 + 65535 bytes), where they start in the file, and the record's offset in them.
struct ArchiveEnd {
  std::string tail;
  uint64_t tail_start = 0;
  std::size_t record = 0;
  uint64_t record_offset() const { return tail_start + record; }
  std::string comment() const { return tail.substr(record + kEndRecord); }
};

ArchiveEnd find_end(const std::string& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) throw Error("cannot read '" + path + "'");
  const auto size = static_cast<uint64_t>(in.tellg());
  if (size < kEndRecord) throw Error("'" + path + "' is damaged: too short to be an archive");
  ArchiveEnd end;
  end.tail_start = size > kEndRecord + 0xffff ? size - kEndRecord - 0xffff : 0;
  end.tail.resize(static_cast<std::size_t>(size - end.tail_start));
  in.seekg(static_cast<std::streamoff>(end.tail_start));
  in.read(end.tail.data(), static_cast<std::streamsize>(end.tail.size()));
  if (!in) throw Error("cannot read '" + path + "'");
  for (std::size_t at = end.tail.size() - kEndRecord + 1; at-- > 0;)
    if (le32(&end.tail[at]) == kEndOfDirectory && at + kEndRecord + le16(&end.tail[at + 20]) == end.tail.size()) {
      end.record = at;
      return end;
    }
  throw Error("'" + path + "' is damaged: its archive directory end is missing or corrupt");
}

/// The digest covers every byte before the end record's comment-length field.
std::string digest_of(const std::string& path, const ArchiveEnd& end) {
  return fmt::format("{:08x}", file_crc32c(path, end.record_offset() + 20));
}

/// `text` with anything but printable ASCII shown as '?', for an error message.
std::string printable(std::string text) {
  for (auto& c : text)
    if (c < 0x20 || c > 0x7e) c = '?';
  return text;
}

}  // namespace

void seal_zip(const std::string& path) {
  const auto end = find_end(path);
  if (le16(&end.tail[end.record + 20]) != 0) throw Error("'" + path + "' already has an archive comment");
  const std::string comment = kPrefix + digest_of(path, end);
  const uint16_t length = static_cast<uint16_t>(comment.size());
  std::fstream out(path, std::ios::in | std::ios::out | std::ios::binary);
  out.seekp(static_cast<std::streamoff>(end.record_offset() + 20));
  out.write(reinterpret_cast<const char*>(&length), 2);
  out.seekp(0, std::ios::end);
  out.write(comment.data(), static_cast<std::streamsize>(comment.size()));
  out.flush();
  if (!out) throw Error("cannot write the digest of '" + path + "'");
}

DigestCheck verify_zip(const std::string& path) {
  const auto end = find_end(path);
  const auto comment = end.comment();
  if (comment.rfind(kPrefix, 0) != 0) {
    // A comment that starts as ours but is not a digest is a damaged digest, not a missing one.
    if (comment.rfind("facenet-", 0) == 0)
      throw Error("'" + path + "' is damaged: its content digest record is corrupt (the archive comment reads '" +
                  printable(comment.substr(0, 40)) + "'); the file was altered after it was written. Use another copy");
    return DigestCheck::NoDigest;
  }
  const auto stored = comment.substr(std::strlen(kPrefix));
  const auto actual = digest_of(path, end);
  if (stored != actual)
    throw Error("'" + path + "' is damaged: its content digest does not match (CRC-32C " + actual + ", recorded " +
                stored + "); the file was altered after it was written (disk or copy error). Use another copy");
  return DigestCheck::Intact;
}

}  // namespace facenet
