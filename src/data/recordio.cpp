// MXNet RecordIO (dmlc-core's byte layout) and mxnet.recordio's IRHeader.
#include "facenet/data/recordio.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <sstream>

#include "facenet/core/error.h"

namespace facenet::data::recordio {
namespace {

static_assert(sizeof(float) == 4, "float32 expected");

void put_u32(std::string& out, uint32_t v) {
  const char b[4] = {char(v & 0xff), char((v >> 8) & 0xff), char((v >> 16) & 0xff), char((v >> 24) & 0xff)};
  out.append(b, 4);
}
void put_u64(std::string& out, uint64_t v) {
  put_u32(out, static_cast<uint32_t>(v & 0xffffffffu));
  put_u32(out, static_cast<uint32_t>(v >> 32));
}
void put_f32(std::string& out, float f) {
  uint32_t v;
  std::memcpy(&v, &f, 4);
  put_u32(out, v);
}
uint32_t get_u32(const unsigned char* p) {
  return uint32_t(p[0]) | (uint32_t(p[1]) << 8) | (uint32_t(p[2]) << 16) | (uint32_t(p[3]) << 24);
}
uint64_t get_u64(const unsigned char* p) { return uint64_t(get_u32(p)) | (uint64_t(get_u32(p + 4)) << 32); }
float get_f32(const unsigned char* p) {
  const uint32_t v = get_u32(p);
  float f;
  std::memcpy(&f, &v, 4);
  return f;
}

uint32_t encode_lrec(uint32_t cflag, uint32_t length) { return (cflag << 29u) | length; }

std::string hex32(uint32_t v) {
  std::ostringstream s;
  s << "0x" << std::hex << v;
  return s.str();
}

}  // namespace

void append_record(std::string& out, std::string_view payload) {
  if (payload.size() > kMaxPartLength)
    throw Error("RecordIO: a record of " + std::to_string(payload.size()) + " bytes is too large (limit 2^29 - 1)");
  const auto* b = reinterpret_cast<const unsigned char*>(payload.data());
  const auto len = static_cast<uint32_t>(payload.size());
  const uint32_t lower_align = (len >> 2u) << 2u;
  const uint32_t upper_align = ((len + 3u) >> 2u) << 2u;
  uint32_t dptr = 0;
  for (uint32_t i = 0; i < lower_align; i += 4) {
    if (get_u32(b + i) != kMagic) continue;
    put_u32(out, kMagic);
    put_u32(out, encode_lrec(dptr == 0 ? 1u : 2u, i - dptr));
    out.append(payload.data() + dptr, i - dptr);
    dptr = i + 4;
  }
  put_u32(out, kMagic);
  put_u32(out, encode_lrec(dptr != 0 ? 3u : 0u, len - dptr));
  out.append(payload.data() + dptr, len - dptr);
  out.append(upper_align - len, '\0');
}

std::string encode_record(std::string_view payload) {
  std::string out;
  out.reserve(payload.size() + 16);
  append_record(out, payload);
  return out;
}

// ---- writer ----

RecordWriter::RecordWriter(const std::string& path) : path_(path) {
  file_ = std::fopen(path.c_str(), "wb");
  if (!file_) throw Error("cannot create '" + path + "': " + std::strerror(errno));
}

RecordWriter::~RecordWriter() {
  try {
    close();
  } catch (...) {
  }
}

uint64_t RecordWriter::write(std::string_view payload) {
  if (!file_) throw Error("RecordIO writer for '" + path_ + "' is closed");
  const auto at = pos_;
  buffer_.clear();
  append_record(buffer_, payload);
  if (std::fwrite(buffer_.data(), 1, buffer_.size(), file_) != buffer_.size())
    throw Error("write error on '" + path_ + "': " + std::strerror(errno));
  pos_ += buffer_.size();
  return at;
}

void RecordWriter::close() {
  if (!file_) return;
  const bool bad = std::fflush(file_) != 0 || std::ferror(file_);
  const bool close_failed = std::fclose(file_) != 0;
  file_ = nullptr;
  if (bad || close_failed) throw Error("write error on '" + path_ + "'");
}

// ---- reader ----

RecordFile::RecordFile(const std::string& path) : path_(path) {
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) throw Error("cannot open RecordIO file '" + path + "': " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd_, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd_);
    fd_ = -1;
    throw Error("'" + path + "' is not a regular file");
  }
  size_ = static_cast<uint64_t>(st.st_size);
}

RecordFile::~RecordFile() {
  if (fd_ >= 0) ::close(fd_);
}

void RecordFile::pread_exact(void* dst, uint64_t n, uint64_t offset, uint64_t record_offset) const {
  auto* p = static_cast<char*>(dst);
  while (n > 0) {
    const auto got = ::pread(fd_, p, n, static_cast<off_t>(offset));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0)
      throw Error(path_ + ": record at byte offset " + std::to_string(record_offset) + ": read error at byte " +
                  std::to_string(offset) + (got < 0 ? std::string(": ") + std::strerror(errno) : ": truncated"));
    p += got;
    n -= static_cast<uint64_t>(got);
    offset += static_cast<uint64_t>(got);
  }
}

std::string RecordFile::read(uint64_t offset, uint64_t* next, uint64_t max_bytes) const {
  const auto where = [&](uint64_t at) {
    return path_ + ": record at byte offset " + std::to_string(offset) +
           (at != offset ? " (part at byte " + std::to_string(at) + ")" : std::string());
  };
  if (offset % 4 != 0) throw Error(where(offset) + ": offset is not a multiple of 4");
  std::string out;
  uint64_t pos = offset;
  bool first = true;
  for (;;) {
    if (pos >= size_)
      throw Error(where(pos) + (first ? ": offset is beyond the end of the file (" + std::to_string(size_) + " bytes)"
                                      : ": truncated (continuation part missing)"));
    if (size_ - pos < 8) throw Error(where(pos) + ": truncated record header");
    unsigned char head[8];
    pread_exact(head, 8, pos, offset);
    const uint32_t magic = get_u32(head);
    if (magic != kMagic) throw Error(where(pos) + ": bad magic " + hex32(magic) + " (expected 0xced7230a)");
    const uint32_t lrec = get_u32(head + 4);
    const uint32_t cflag = lrec >> 29u;
    const uint32_t len = lrec & kMaxPartLength;
    if (first ? (cflag != 0 && cflag != 1) : (cflag != 2 && cflag != 3))
      throw Error(where(pos) + ": unexpected continuation flag " + std::to_string(cflag) +
                  (first ? " (a record must start with flag 0 or 1)" : " (expected 2 or 3 after a split part)"));
    const uint64_t padded = (uint64_t(len) + 3u) & ~uint64_t(3);
    if (padded > size_ - pos - 8)
      throw Error(where(pos) + ": length " + std::to_string(len) + " runs past the end of the file (" +
                  std::to_string(size_ - pos - 8) + " bytes left)");
    if (!first && out.size() < max_bytes) out.append(reinterpret_cast<const char*>(&kMagic), 4);
    if (out.size() < max_bytes) {
      const uint64_t want = std::min<uint64_t>(len, max_bytes - out.size());
      const auto at = out.size();
      out.resize(at + want);
      if (want) pread_exact(&out[at], want, pos + 8, offset);
    }
    pos += 8 + padded;
    first = false;
    if (cflag == 0 || cflag == 3) break;
  }
  if (out.size() > max_bytes) out.resize(max_bytes);
  if (next) *next = pos;
  return out;
}

bool RecordScanner::next(std::string& payload, uint64_t* offset) {
  if (pos_ >= file_.size()) return false;
  if (offset) *offset = pos_;
  uint64_t after = 0;
  payload = file_.read(pos_, &after);
  pos_ = after;
  return true;
}

// ---- IRHeader ----

std::string pack(const IRHeader& header, std::string_view data) {
  std::string out;
  out.reserve(kIRHeaderSize + 4 * header.labels.size() + data.size());
  const bool array = !header.labels.empty();
  put_u32(out, array ? static_cast<uint32_t>(header.labels.size()) : 0u);
  put_f32(out, array ? 0.f : header.label);
  put_u64(out, header.id);
  put_u64(out, header.id2);
  for (const float f : header.labels) put_f32(out, f);
  out.append(data.data(), data.size());
  return out;
}

IRHeader unpack(std::string_view record, std::string_view* data, const std::string& where) {
  if (record.size() < kIRHeaderSize)
    throw Error(where + ": " + std::to_string(record.size()) + " bytes is shorter than the 24-byte IRHeader");
  const auto* p = reinterpret_cast<const unsigned char*>(record.data());
  IRHeader h;
  h.flag = get_u32(p);
  h.label = get_f32(p + 4);
  h.id = get_u64(p + 8);
  h.id2 = get_u64(p + 16);
  std::size_t used = kIRHeaderSize;
  if (h.flag > 0) {
    if (uint64_t(h.flag) * 4 > record.size() - kIRHeaderSize)
      throw Error(where + ": IRHeader flag " + std::to_string(h.flag) + " asks for more labels than the " +
                  std::to_string(record.size()) + "-byte record holds");
    h.labels.resize(h.flag);
    for (uint32_t i = 0; i < h.flag; ++i) h.labels[i] = get_f32(p + kIRHeaderSize + 4 * i);
    used += 4 * std::size_t(h.flag);
  }
  if (data) *data = record.substr(used);
  return h;
}

}  // namespace facenet::data::recordio
