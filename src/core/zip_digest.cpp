#include "facenet/core/zip_digest.h"

#include <fmt/format.h>

#include <cstdint>
#include <cstring>
#include <fstream>

#include "facenet/core/crc32c.h"
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

/// Offset of the end-of-central-directory record whose comment runs exactly to the end.
std::size_t find_end_record(const std::string& bytes, const std::string& path) {
  if (bytes.size() < kEndRecord) throw Error("'" + path + "' is damaged: too short to be an archive");
  const std::size_t lowest = bytes.size() > kEndRecord + 0xffff ? bytes.size() - kEndRecord - 0xffff : 0;
  for (std::size_t at = bytes.size() - kEndRecord + 1; at-- > lowest;)
    if (le32(&bytes[at]) == kEndOfDirectory && at + kEndRecord + le16(&bytes[at + 20]) == bytes.size()) return at;
  throw Error("'" + path + "' is damaged: its archive directory end is missing or corrupt");
}

}  // namespace

void seal_zip(const std::string& path) {
  auto bytes = read_file(path);
  const auto end = find_end_record(bytes, path);
  if (le16(&bytes[end + 20]) != 0) throw Error("'" + path + "' already has an archive comment");
  const std::string comment = fmt::format("{}{:08x}", kPrefix, crc32c::value(bytes.data(), end + 20));
  const uint16_t length = static_cast<uint16_t>(comment.size());
  std::fstream out(path, std::ios::in | std::ios::out | std::ios::binary);
  out.seekp(static_cast<std::streamoff>(end + 20));
  out.write(reinterpret_cast<const char*>(&length), 2);
  out.seekp(0, std::ios::end);
  out.write(comment.data(), static_cast<std::streamsize>(comment.size()));
  out.flush();
  if (!out) throw Error("cannot write the digest of '" + path + "'");
}

DigestCheck verify_zip(const std::string& path) {
  const auto bytes = read_file(path);
  const auto end = find_end_record(bytes, path);
  const std::string comment = bytes.substr(end + kEndRecord);
  if (comment.rfind(kPrefix, 0) != 0) return DigestCheck::NoDigest;
  const auto stored = comment.substr(std::strlen(kPrefix));
  const auto actual = fmt::format("{:08x}", crc32c::value(bytes.data(), end + 20));
  if (stored != actual)
    throw Error("'" + path + "' is damaged: its content digest does not match (CRC-32C " + actual + ", recorded " +
                stored + "); the file was altered after it was written (disk or copy error). Use another copy");
  return DigestCheck::Intact;
}

}  // namespace facenet
