#include "facenet/core/zip_digest.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <vector>

#include <zlib.h>

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

uint64_t le64(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

/// Bytes [offset, offset + n) of `in`; throws naming `path` when the file is shorter.
std::string read_at(std::ifstream& in, const std::string& path, uint64_t offset, uint64_t n) {
  std::string bytes(n, '\0');
  in.clear();
  in.seekg(static_cast<std::streamoff>(offset));
  in.read(bytes.data(), static_cast<std::streamsize>(n));
  if (!in || static_cast<uint64_t>(in.gcount()) != n)
    throw Error("'" + path + "' is damaged: the archive points past its end (offset " + std::to_string(offset) + ")");
  return bytes;
}

/// Where the central directory is and how many entries it lists (the zip64 record when the
/// end record says so).
struct Directory {
  uint64_t offset = 0, size = 0, entries = 0;
};

Directory directory_of(std::ifstream& in, const std::string& path, const ArchiveEnd& end) {
  const char* r = &end.tail[end.record];
  Directory d{le32(r + 16), le32(r + 12), le16(r + 10)};
  if (d.offset == 0xffffffffu || d.size == 0xffffffffu || d.entries == 0xffffu) {
    // zip64: the locator (20 bytes) sits just before the end record and points at the zip64 record.
    if (end.record_offset() < 20) throw Error("'" + path + "' is damaged: its zip64 locator is missing");
    const auto locator = read_at(in, path, end.record_offset() - 20, 20);
    if (le32(locator.data()) != 0x07064b50u) throw Error("'" + path + "' is damaged: its zip64 locator is missing");
    const auto record = read_at(in, path, le64(locator.data() + 8), 56);
    if (le32(record.data()) != 0x06064b50u) throw Error("'" + path + "' is damaged: its zip64 end record is corrupt");
    d = {le64(record.data() + 48), le64(record.data() + 40), le64(record.data() + 32)};
  }
  return d;
}

}  // namespace

void verify_zip_entries(const std::string& path) {
  const auto end = find_end(path);
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot read '" + path + "'");
  const auto dir = directory_of(in, path, end);
  if (dir.size > end.record_offset() || dir.offset > end.record_offset() - dir.size)
    throw Error("'" + path + "' is damaged: its central directory lies outside the file");
  const auto cd = read_at(in, path, dir.offset, dir.size);
  std::size_t at = 0;
  std::vector<char> buffer(1 << 20);
  for (uint64_t e = 0; e < dir.entries; ++e) {
    if (at + 46 > cd.size() || le32(&cd[at]) != 0x02014b50u)
      throw Error("'" + path + "' is damaged: central directory entry " + std::to_string(e) + " is corrupt");
    const char* h = &cd[at];
    const uint16_t method = le16(h + 10), name_len = le16(h + 28), extra_len = le16(h + 30), comment_len = le16(h + 32);
    const uint32_t crc = le32(h + 16);
    uint64_t compressed = le32(h + 20), uncompressed = le32(h + 24), local = le32(h + 42);
    if (at + 46 + name_len + extra_len + comment_len > cd.size())
      throw Error("'" + path + "' is damaged: central directory entry " + std::to_string(e) + " is cut short");
    const std::string name(h + 46, name_len);
    // zip64 extra field (id 1): the 64-bit values of the fields that read 0xffffffff, in order.
    for (std::size_t x = 0; x + 4 <= extra_len;) {
      const char* f = h + 46 + name_len + x;
      const uint16_t id = le16(f), len = le16(f + 2);
      if (id == 1) {
        std::size_t v = 4;
        for (uint64_t* field : {&uncompressed, &compressed, &local})
          if (*field == 0xffffffffu && v + 8 <= 4u + len && x + v + 8 <= extra_len) {
            *field = le64(f + v);
            v += 8;
          }
      }
      x += 4u + len;
    }
    at += 46u + name_len + extra_len + comment_len;
    if (method != 0) continue;  // only stored entries (all LibTorch writes) are checked
    const auto lh = read_at(in, path, local, 30);
    if (le32(lh.data()) != 0x04034b50u)
      throw Error("'" + path + "' is damaged: entry '" + name + "' has no local header");
    const uint64_t data = local + 30 + le16(lh.data() + 26) + le16(lh.data() + 28);
    if (compressed != uncompressed || data > end.record_offset() || compressed > end.record_offset() - data)
      throw Error("'" + path + "' is damaged: entry '" + name + "' runs past the archive");
    in.clear();
    in.seekg(static_cast<std::streamoff>(data));
    uLong actual = crc32(0L, Z_NULL, 0);
    for (uint64_t left = compressed; left > 0;) {
      const auto n = static_cast<std::streamsize>(std::min<uint64_t>(left, buffer.size()));
      if (!in.read(buffer.data(), n)) throw Error("cannot read '" + path + "'");
      actual = crc32(actual, reinterpret_cast<const Bytef*>(buffer.data()), static_cast<uInt>(n));
      left -= static_cast<uint64_t>(n);
    }
    if (actual != crc)
      throw Error(fmt::format("'{}' is damaged: entry '{}' fails its CRC-32 (recorded {:08x}, computed {:08x}); the "
                              "file was altered after it was written. Use another copy",
                              path, name, crc, actual));
  }
}

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
    // No digest of ours: zip's own per-entry CRC-32, which LibTorch's reader does not check.
    verify_zip_entries(path);
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
