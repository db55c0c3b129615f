#pragma once
// MXNet RecordIO, byte-compatible with dmlc-core (src/recordio.cc) and mxnet.recordio.
//
// A physical record is: uint32 magic 0xced7230a, uint32 lrec (upper 3 bits cflag, lower 29
// bits length), the payload, zero padding to a multiple of 4 bytes (all little-endian). The
// writer splits a logical record wherever its payload holds the magic at a 4-byte-aligned
// offset: the magic is dropped and the parts get cflag 1 (first), 2 (middle), 3 (last);
// a record without a split has cflag 0. The reader re-joins the parts, putting the magic back.
//
// Every malformed input (bad magic, truncation, a length past the end of the file, a bad
// cflag sequence) throws facenet::Error naming the file and the byte offset; no allocation
// is ever larger than the file.
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

namespace facenet::data::recordio {

constexpr uint32_t kMagic = 0xced7230a;
/// The largest payload one physical record can hold (29-bit length).
constexpr uint32_t kMaxPartLength = (1u << 29) - 1;

/// The physical records dmlc's RecordIOWriter::WriteRecord writes for `payload`, appended to `out`.
/// Throws facenet::Error when the payload is 2^29 bytes or more (as dmlc refuses it).
void append_record(std::string& out, std::string_view payload);
std::string encode_record(std::string_view payload);

/// Appends records to a file (as mxnet.recordio.MXRecordIO in mode 'w').
class RecordWriter {
 public:
  /// Creates (truncates) `path`. Throws facenet::Error naming it when it cannot.
  explicit RecordWriter(const std::string& path);
  ~RecordWriter();
  RecordWriter(const RecordWriter&) = delete;
  RecordWriter& operator=(const RecordWriter&) = delete;

  /// Writes one logical record and returns its byte offset (what goes into the .idx).
  uint64_t write(std::string_view payload);
  uint64_t tell() const { return pos_; }
  /// Flushes and closes; throws facenet::Error on a write error. Called by the destructor
  /// (which swallows errors) when not called explicitly.
  void close();

 private:
  std::string path_;
  std::FILE* file_ = nullptr;
  uint64_t pos_ = 0;
  std::string buffer_;
};

/// Random-access reader over a .rec file: pread on one descriptor, so read() is thread-safe.
class RecordFile {
 public:
  /// Opens `path`; throws facenet::Error naming it when it cannot.
  explicit RecordFile(const std::string& path);
  ~RecordFile();
  RecordFile(const RecordFile&) = delete;
  RecordFile& operator=(const RecordFile&) = delete;

  const std::string& path() const { return path_; }
  uint64_t size() const { return size_; }

  /// The logical record starting at byte `offset`. `next` (optional) receives the offset just
  /// past its last physical record. With `max_bytes`, at most that many payload bytes are
  /// returned (the physical records read are still checked); used to peek at headers.
  std::string read(uint64_t offset, uint64_t* next = nullptr, uint64_t max_bytes = UINT64_MAX) const;

 private:
  void pread_exact(void* dst, uint64_t n, uint64_t offset, uint64_t record_offset) const;
  std::string path_;
  int fd_ = -1;
  uint64_t size_ = 0;
};

/// Sequential scan from the start of a file (as MXRecordIO.read()).
class RecordScanner {
 public:
  explicit RecordScanner(const RecordFile& file, uint64_t start = 0) : file_(file), pos_(start) {}
  /// The next logical record and its offset; false at the end of the file.
  bool next(std::string& payload, uint64_t* offset = nullptr);
  uint64_t position() const { return pos_; }

 private:
  const RecordFile& file_;
  uint64_t pos_;
};

/// mxnet.recordio's IRHeader ('IfQQ', 24 bytes, little-endian) and its extra labels.
struct IRHeader {
  uint32_t flag = 0;
  float label = 0.f;
  uint64_t id = 0;
  uint64_t id2 = 0;
  std::vector<float> labels;  ///< `flag` extra float labels (flag > 0)

  /// The identity label as insightface reads it: labels[0] when flag > 0, else label.
  float first_label() const { return flag > 0 && !labels.empty() ? labels[0] : label; }
};
constexpr std::size_t kIRHeaderSize = 24;

/// mxnet.recordio.pack: with `header.labels` non-empty, flag = labels.size() and label = 0
/// (as pack() does for an array label), the labels as float32 follow the 24 bytes; then `data`.
std::string pack(const IRHeader& header, std::string_view data);

/// mxnet.recordio.unpack: the header (with its `flag` extra labels when flag > 0) and, in
/// `data` (optional), the bytes after it (a view into `record`). Throws facenet::Error
/// mentioning `where` when the record is shorter than the header says.
IRHeader unpack(std::string_view record, std::string_view* data = nullptr, const std::string& where = "record");

}  // namespace facenet::data::recordio
