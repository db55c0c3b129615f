#pragma once
// TFRecord files, TensorFlow's record framing (also used by TensorBoard event files). Each
// record is
//   uint64 length (little-endian)
//   uint32 masked CRC-32C of those 8 length bytes (little-endian)
//   length bytes of payload
//   uint32 masked CRC-32C of the payload (little-endian)
// with the mask of facenet::crc32c::mask (TensorFlow's crc32c::Mask).
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace facenet::tfrecord {

constexpr size_t kHeaderBytes = 12;  ///< length + its CRC
constexpr size_t kFooterBytes = 4;   ///< payload CRC

/// Appends the framed record (header, payload, footer) to `out`.
void append_record(std::string& out, std::string_view payload);

/// The framed record as a string.
std::string frame_record(std::string_view payload);

/// Writes records to a file. Records are gathered in memory and handed to the OS when more
/// than `buffer_bytes` are pending, on flush() and on close(); with buffer_bytes = 0 each
/// record goes to the OS as one write, so a killed process leaves only whole records (a
/// machine crash or a full disk can still leave a truncated last record).
class Writer {
 public:
  /// Creates (truncating) or, with `append`, extends `path`. Throws facenet::Error naming the
  /// path when it cannot be opened.
  explicit Writer(const std::string& path, bool append = false, size_t buffer_bytes = 1 << 16);
  ~Writer();  ///< close(), logging instead of throwing on failure
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;
  Writer(Writer&& other) noexcept;
  Writer& operator=(Writer&& other) noexcept;

  /// Frames and queues one record. Throws facenet::Error naming the path on a write failure
  /// (e.g. "No space left on device").
  void write(std::string_view payload);
  /// Hands every queued byte to the OS. Throws facenet::Error on a write failure.
  void flush();
  /// flush(), then fsync(): the records survive a machine crash.
  void sync();
  /// flush() and close the file; further writes throw. Safe to call twice.
  void close();

  const std::string& path() const { return path_; }
  /// Bytes handed to the OS plus bytes queued.
  uint64_t bytes_written() const { return offset_ + buffer_.size(); }

 private:
  void write_out(const char* data, size_t n);

  std::string path_;
  int fd_ = -1;
  size_t buffer_bytes_ = 0;
  std::string buffer_;
  uint64_t offset_ = 0;  // bytes handed to the OS
};

/// Default bound on one record's length: a header claiming more is reported as corrupt
/// rather than allocated.
constexpr uint64_t kDefaultMaxRecordBytes = uint64_t{1} << 30;

/// Reads and verifies records. Every failure throws facenet::Error whose message names the
/// file and the byte offset of the bad record: a header or footer CRC mismatch, a length over
/// `max_record_bytes`, or a file ending inside a record. Memory grows with the bytes actually
/// read, never with what a corrupt header claims.
class Reader {
 public:
  explicit Reader(const std::string& path, uint64_t max_record_bytes = kDefaultMaxRecordBytes);
  ~Reader();
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;

  /// Reads the next record into `payload`. Returns false at the end of the file (exactly
  /// between records). With `allow_truncated_tail`, a file that ends inside its last record
  /// (a writer killed mid-write, as TensorBoard tolerates) also returns false; truncated()
  /// then says so.
  bool read(std::string& payload, bool allow_truncated_tail = false);

  /// Byte offset where the next record starts.
  uint64_t offset() const { return offset_; }
  /// Byte offset where the record last returned by read() starts.
  uint64_t record_offset() const { return record_offset_; }
  /// True when read() stopped at a truncated last record.
  bool truncated() const { return truncated_; }
  const std::string& path() const { return path_; }

 private:
  size_t read_up_to(char* dst, size_t n);  // short only at end of file

  std::string path_;
  std::FILE* file_ = nullptr;
  uint64_t max_record_bytes_;
  uint64_t offset_ = 0;
  uint64_t record_offset_ = 0;
  bool truncated_ = false;
};

}  // namespace facenet::tfrecord
