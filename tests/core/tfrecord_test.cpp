#include "facenet/core/tfrecord.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "facenet/core/error.h"

using namespace facenet;
namespace fs = std::filesystem;

namespace {

// The test's own CRC-32C and TensorFlow mask, independent of facenet::crc32c.
uint32_t crc32c_bitwise(const std::string& s) {
  uint32_t c = 0xffffffffu;
  for (unsigned char b : s) {
    c ^= b;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ 0x82f63b78u : c >> 1;
  }
  return ~c;
}
uint32_t tf_mask(uint32_t crc) { return ((crc >> 15) | (crc << 17)) + 0xa282ead8u; }

std::string le32(uint32_t v) {
  std::string s(4, '\0');
  for (int i = 0; i < 4; ++i) s[i] = static_cast<char>(v >> (8 * i));
  return s;
}
std::string le64(uint64_t v) {
  std::string s(8, '\0');
  for (int i = 0; i < 8; ++i) s[i] = static_cast<char>(v >> (8 * i));
  return s;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
void spit(const fs::path& p, const std::string& s) {
  std::ofstream(p, std::ios::binary | std::ios::trunc) << s;
}

class TFRecordTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("facenet-tfrecord-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string file(const std::string& name) const { return (dir_ / name).string(); }

  // Writes two records ("hello", 300 bytes) and returns the file's path.
  std::string two_records() {
    const std::string p = file("two.tfrecord");
    tfrecord::Writer w(p);
    w.write("hello");
    w.write(std::string(300, 'x'));
    w.close();
    return p;
  }

  std::string error_reading(const std::string& path, bool allow_tail = false) {
    try {
      tfrecord::Reader r(path);
      std::string rec;
      while (r.read(rec, allow_tail)) {
      }
    } catch (const Error& e) {
      return e.what();
    }
    return "";
  }

  fs::path dir_;
};

}  // namespace

TEST_F(TFRecordTest, FramingIsByteExact) {
  const std::string payload = "facenet payload \x01\x02\xff";
  const std::string framed = tfrecord::frame_record(payload);
  ASSERT_EQ(framed.size(), 8 + 4 + payload.size() + 4);
  const std::string length = le64(payload.size());
  const std::string expected = length + le32(tf_mask(crc32c_bitwise(length))) + payload +
                               le32(tf_mask(crc32c_bitwise(payload)));
  EXPECT_EQ(framed, expected);
  // The length really is little-endian uint64.
  EXPECT_EQ(static_cast<unsigned char>(framed[0]), payload.size());
  for (int i = 1; i < 8; ++i) EXPECT_EQ(framed[i], '\0');
}

TEST_F(TFRecordTest, EmptyPayloadFraming) {
  const std::string framed = tfrecord::frame_record("");
  const std::string length = le64(0);
  EXPECT_EQ(framed, length + le32(tf_mask(crc32c_bitwise(length))) + le32(tf_mask(crc32c_bitwise(""))));
}

TEST_F(TFRecordTest, WriterFileMatchesFramingAndReadsBack) {
  const std::string p = two_records();
  EXPECT_EQ(slurp(p), tfrecord::frame_record("hello") + tfrecord::frame_record(std::string(300, 'x')));

  tfrecord::Reader r(p);
  std::string rec;
  ASSERT_TRUE(r.read(rec));
  EXPECT_EQ(rec, "hello");
  EXPECT_EQ(r.record_offset(), 0u);
  ASSERT_TRUE(r.read(rec));
  EXPECT_EQ(rec, std::string(300, 'x'));
  EXPECT_EQ(r.record_offset(), 12u + 5 + 4);
  EXPECT_FALSE(r.read(rec));
  EXPECT_FALSE(r.truncated());
}

TEST_F(TFRecordTest, AppendAndUnbufferedWrites) {
  const std::string p = file("append.tfrecord");
  {
    tfrecord::Writer w(p, false, 0);
    w.write("one");
    // Unbuffered: on disk before close.
    EXPECT_EQ(slurp(p), tfrecord::frame_record("one"));
  }
  {
    tfrecord::Writer w(p, true);
    w.write("two");
  }
  EXPECT_EQ(slurp(p), tfrecord::frame_record("one") + tfrecord::frame_record("two"));
}

TEST_F(TFRecordTest, EveryFlippedByteIsDetected) {
  const std::string p = two_records();
  const std::string good = slurp(p);
  for (size_t i = 0; i < good.size(); ++i) {
    std::string bad = good;
    bad[i] ^= 0x20;
    spit(p, bad);
    const std::string err = error_reading(p);
    ASSERT_FALSE(err.empty()) << "flip at byte " << i << " went unnoticed";
    const size_t record_start = i < 21 ? 0 : 21;
    EXPECT_NE(err.find(p), std::string::npos) << err;
    EXPECT_NE(err.find("record at byte " + std::to_string(record_start)), std::string::npos) << err;
  }
}

TEST_F(TFRecordTest, PayloadCrcMismatchMessage) {
  const std::string p = two_records();
  std::string bad = slurp(p);
  bad[21 + 12 + 100] ^= 1;  // inside the second payload
  spit(p, bad);
  const std::string err = error_reading(p);
  EXPECT_NE(err.find("record at byte 21"), std::string::npos) << err;
  EXPECT_NE(err.find("payload CRC mismatch"), std::string::npos) << err;
}

TEST_F(TFRecordTest, TruncatedFileIsAnErrorNamingTheOffset) {
  const std::string p = two_records();
  const std::string good = slurp(p);
  for (size_t cut : {size_t{22}, size_t{21 + 12}, size_t{21 + 12 + 299}, good.size() - 1}) {
    spit(p, good.substr(0, cut));
    const std::string err = error_reading(p);
    EXPECT_NE(err.find("record at byte 21 is truncated"), std::string::npos) << cut << ": " << err;
    // A killed writer's file: the whole records before the cut are still readable.
    tfrecord::Reader r(p);
    std::string rec;
    ASSERT_TRUE(r.read(rec, true));
    EXPECT_EQ(rec, "hello");
    EXPECT_FALSE(r.read(rec, true));
    EXPECT_TRUE(r.truncated());
  }
  spit(p, good.substr(0, 5));
  EXPECT_NE(error_reading(p).find("record at byte 0 is truncated"), std::string::npos);
  spit(p, "");
  EXPECT_EQ(error_reading(p), "");  // an empty file has no records
}

TEST_F(TFRecordTest, AbsurdLengthIsRejectedWithoutAllocating) {
  // A header whose CRC is valid but whose length claims 2^62 bytes.
  const std::string p = file("absurd.tfrecord");
  const std::string length = le64(uint64_t{1} << 62);
  spit(p, length + le32(tf_mask(crc32c_bitwise(length))) + "tiny");
  const std::string err = error_reading(p);
  EXPECT_NE(err.find("exceeds"), std::string::npos) << err;
  EXPECT_NE(err.find("record at byte 0"), std::string::npos) << err;

  // Under the limit but far past the end of the file: truncated, memory bounded by the file.
  const std::string length2 = le64(uint64_t{1} << 29);
  spit(p, length2 + le32(tf_mask(crc32c_bitwise(length2))) + "tiny");
  EXPECT_NE(error_reading(p).find("is truncated"), std::string::npos);
}

TEST_F(TFRecordTest, OpenAndWriteErrorsNameThePath) {
  EXPECT_THROW(tfrecord::Reader(file("missing.tfrecord")), Error);
  EXPECT_THROW(tfrecord::Writer(file("no/such/dir/x.tfrecord")), Error);
  if (fs::exists("/dev/full")) {
    tfrecord::Writer w("/dev/full", false, 0);
    try {
      w.write("data");
      ADD_FAILURE() << "writing to /dev/full did not throw";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("/dev/full"), std::string::npos) << e.what();
    }
  }
}
