#include "facenet/core/tfrecord.h"

#include <fcntl.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "facenet/core/crc32c.h"
#include "facenet/core/error.h"

namespace facenet::tfrecord {
namespace {

void put_le32(char* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<char>((v >> (8 * i)) & 0xff);
}
void put_le64(char* p, uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<char>((v >> (8 * i)) & 0xff);
}
uint32_t get_le32(const char* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= uint32_t{static_cast<unsigned char>(p[i])} << (8 * i);
  return v;
}
uint64_t get_le64(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= uint64_t{static_cast<unsigned char>(p[i])} << (8 * i);
  return v;
}

std::string errno_text() { return std::strerror(errno); }

std::string fmt_hex(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

}  // namespace

void append_record(std::string& out, std::string_view payload) {
  char header[kHeaderBytes];
  put_le64(header, payload.size());
  put_le32(header + 8, crc32c::masked_crc32c(header, 8));
  char footer[kFooterBytes];
  put_le32(footer, crc32c::masked_crc32c(payload));
  out.reserve(out.size() + kHeaderBytes + payload.size() + kFooterBytes);
  out.append(header, kHeaderBytes);
  out.append(payload.data(), payload.size());
  out.append(footer, kFooterBytes);
}

std::string frame_record(std::string_view payload) {
  std::string out;
  append_record(out, payload);
  return out;
}

// ---- Writer ------------------------------------------------------------------------------

Writer::Writer(const std::string& path, bool append, size_t buffer_bytes)
    : path_(path), buffer_bytes_(buffer_bytes) {
  const int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : O_TRUNC);
  fd_ = ::open(path.c_str(), flags, 0644);
  if (fd_ < 0) throw Error("cannot open " + path + " for writing: " + errno_text());
  if (append) {
    const off_t end = ::lseek(fd_, 0, SEEK_END);
    offset_ = end > 0 ? static_cast<uint64_t>(end) : 0;
  }
}

Writer::~Writer() {
  try {
    close();
  } catch (const std::exception& e) {
    spdlog::error("{}", e.what());
  }
}

Writer::Writer(Writer&& other) noexcept
    : path_(std::move(other.path_)),
      fd_(std::exchange(other.fd_, -1)),
      buffer_bytes_(other.buffer_bytes_),
      buffer_(std::move(other.buffer_)),
      offset_(other.offset_) {}

Writer& Writer::operator=(Writer&& other) noexcept {
  if (this != &other) {
    try {
      close();
    } catch (const std::exception& e) {
      spdlog::error("{}", e.what());
    }
    path_ = std::move(other.path_);
    fd_ = std::exchange(other.fd_, -1);
    buffer_bytes_ = other.buffer_bytes_;
    buffer_ = std::move(other.buffer_);
    offset_ = other.offset_;
  }
  return *this;
}

void Writer::write_out(const char* data, size_t n) {
  if (fd_ < 0) throw Error("cannot write to " + path_ + ": the file is closed");
  while (n > 0) {
    const ssize_t k = ::write(fd_, data, n);
    if (k < 0) {
      if (errno == EINTR) continue;
      throw Error("cannot write to " + path_ + " at byte " + std::to_string(offset_) + ": " + errno_text());
    }
    data += k;
    n -= static_cast<size_t>(k);
    offset_ += static_cast<uint64_t>(k);
  }
}

void Writer::write(std::string_view payload) {
  if (fd_ < 0) throw Error("cannot write to " + path_ + ": the file is closed");
  append_record(buffer_, payload);
  if (buffer_.size() > buffer_bytes_) flush();
}

void Writer::flush() {
  if (buffer_.empty()) return;
  std::string pending;
  pending.swap(buffer_);  // on failure the queued bytes are dropped, not written twice
  write_out(pending.data(), pending.size());
  pending.clear();
  buffer_.swap(pending);  // keep the capacity
}

void Writer::sync() {
  flush();
  if (fd_ >= 0 && ::fsync(fd_) != 0 && errno != EINVAL && errno != EROFS)
    throw Error("cannot sync " + path_ + ": " + errno_text());
}

void Writer::close() {
  if (fd_ < 0) return;
  try {
    flush();
  } catch (...) {
    ::close(std::exchange(fd_, -1));
    throw;
  }
  if (::close(std::exchange(fd_, -1)) != 0) throw Error("cannot close " + path_ + ": " + errno_text());
}

// ---- Reader ------------------------------------------------------------------------------

Reader::Reader(const std::string& path, uint64_t max_record_bytes)
    : path_(path), max_record_bytes_(max_record_bytes) {
  file_ = std::fopen(path.c_str(), "rb");
  if (!file_) throw Error("cannot open " + path + ": " + errno_text());
}

Reader::~Reader() {
  if (file_) std::fclose(file_);
}

size_t Reader::read_up_to(char* dst, size_t n) {
  const size_t got = std::fread(dst, 1, n, file_);
  if (got < n && std::ferror(file_))
    throw Error("cannot read " + path_ + " at byte " + std::to_string(offset_ + got) + ": " + errno_text());
  return got;
}

bool Reader::read(std::string& payload, bool allow_truncated_tail) {
  payload.clear();
  if (truncated_) return false;
  const uint64_t start = offset_;
  const std::string where = path_ + ": record at byte " + std::to_string(start);
  const auto truncated = [&](uint64_t have, uint64_t want) {
    if (allow_truncated_tail) {
      truncated_ = true;
      payload.clear();
      return false;
    }
    throw Error(where + " is truncated: the file ends after " + std::to_string(have) + " of its " +
                std::to_string(want) + " bytes");
  };

  char header[kHeaderBytes];
  const size_t got = read_up_to(header, kHeaderBytes);
  if (got == 0) return false;  // clean end of file
  if (got < kHeaderBytes) return truncated(got, kHeaderBytes);
  const uint64_t length = get_le64(header);
  const uint32_t stored = get_le32(header + 8);
  const uint32_t actual = crc32c::masked_crc32c(header, 8);
  if (stored != actual)
    throw Error(where + " is corrupt: length CRC mismatch (stored " + fmt_hex(stored) + ", computed " +
                fmt_hex(actual) + ")");
  if (length > max_record_bytes_)
    throw Error(where + " is corrupt: length " + std::to_string(length) + " exceeds the " +
                std::to_string(max_record_bytes_) + "-byte limit");
  const uint64_t total = kHeaderBytes + length + kFooterBytes;

  // Grow the buffer with what is actually there, a chunk at a time.
  constexpr size_t kChunk = size_t{16} << 20;
  size_t have = 0;
  while (have < length) {
    const size_t want = static_cast<size_t>(std::min<uint64_t>(length - have, kChunk));
    payload.resize(have + want);
    const size_t n = read_up_to(payload.data() + have, want);
    have += n;
    if (n < want) return truncated(kHeaderBytes + have, total);
  }
  char footer[kFooterBytes];
  const size_t nf = read_up_to(footer, kFooterBytes);
  if (nf < kFooterBytes) return truncated(kHeaderBytes + length + nf, total);
  const uint32_t stored_data = get_le32(footer);
  const uint32_t actual_data = crc32c::masked_crc32c(payload);
  if (stored_data != actual_data)
    throw Error(where + " is corrupt: payload CRC mismatch (stored " + fmt_hex(stored_data) + ", computed " +
                fmt_hex(actual_data) + ")");
  record_offset_ = start;
  offset_ = start + total;
  return true;
}

}  // namespace facenet::tfrecord
