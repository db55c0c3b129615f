#include "facenet/core/crc32c.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

using namespace facenet;

namespace {
// Bit-at-a-time reference, independent of the library's tables and instructions.
uint32_t crc32c_bitwise(const unsigned char* p, size_t n) {
  uint32_t c = 0xffffffffu;
  for (size_t i = 0; i < n; ++i) {
    c ^= p[i];
    for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ 0x82f63b78u : c >> 1;
  }
  return ~c;
}

std::vector<unsigned char> random_bytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<unsigned char> v(n);
  for (auto& b : v) b = static_cast<unsigned char>(rng());
  return v;
}
}  // namespace

TEST(Crc32c, CheckValue) {
  EXPECT_EQ(crc32c::value("123456789"), 0xE3069283u);
  EXPECT_EQ(crc32c::value(""), 0u);
  EXPECT_EQ(crc32c::value("a"), 0xC1D04330u);
}

TEST(Crc32c, Rfc3720Vectors) {
  std::vector<unsigned char> buf(32, 0x00);
  EXPECT_EQ(crc32c::value(buf.data(), buf.size()), 0x8A9136AAu);
  std::fill(buf.begin(), buf.end(), 0xFF);
  EXPECT_EQ(crc32c::value(buf.data(), buf.size()), 0x62A8AB43u);
  for (int i = 0; i < 32; ++i) buf[i] = static_cast<unsigned char>(i);
  EXPECT_EQ(crc32c::value(buf.data(), buf.size()), 0x46DD794Eu);
  for (int i = 0; i < 32; ++i) buf[i] = static_cast<unsigned char>(31 - i);
  EXPECT_EQ(crc32c::value(buf.data(), buf.size()), 0x113FDB5Cu);
  // An iSCSI SCSI Read (10) command PDU.
  const unsigned char read10[48] = {
      0x01, 0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
      0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x18,
      0x28, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
  EXPECT_EQ(crc32c::value(read10, sizeof read10), 0xD9963A56u);
}

TEST(Crc32c, IncrementalEqualsWhole) {
  const auto data = random_bytes(100000, 7);
  const uint32_t whole = crc32c::value(data.data(), data.size());
  for (size_t split : {size_t{0}, size_t{1}, size_t{13}, size_t{4096}, size_t{77777}, data.size()}) {
    uint32_t c = crc32c::extend(0, data.data(), split);
    c = crc32c::extend(c, data.data() + split, data.size() - split);
    EXPECT_EQ(c, whole) << "split at " << split;
  }
  EXPECT_EQ(crc32c::extend(crc32c::value("1234"), "56789", 5), 0xE3069283u);
}

// Every length class the fast paths treat differently (unaligned head, 8-byte words, the
// three-way 256- and 8192-byte blocks, tails), at several alignments, on both implementations.
TEST(Crc32c, PortableAndHardwareMatchBitwiseReference) {
  const auto data = random_bytes(3 * 8192 * 2 + 100, 11);
  const size_t lengths[] = {0,   1,   7,    8,    9,     63,    255,   767,   768,   769,
                            800, 4096, 24575, 24576, 24577, 30000, 49152, 49250, 49251};
  for (size_t len : lengths)
    for (size_t offset : {0, 1, 3, 7}) {
      if (offset + len > data.size()) continue;
      const unsigned char* p = data.data() + offset;
      const uint32_t want = crc32c_bitwise(p, len);
      EXPECT_EQ(crc32c::extend_portable(0, p, len), want) << len << " @" << offset;
      EXPECT_EQ(crc32c::value(p, len), want) << len << " @" << offset;
      if (crc32c::hardware_accelerated()) {
        EXPECT_EQ(crc32c::extend_hardware(0, p, len), want) << len << " @" << offset;
      }
    }
}

TEST(Crc32c, MaskMatchesTensorFlow) {
  // ((crc >> 15) | (crc << 17)) + 0xa282ead8, computed by hand for crc32c("123456789").
  const uint32_t crc = 0xE3069283u;
  const uint32_t masked = ((crc >> 15) | (crc << 17)) + 0xa282ead8u;
  EXPECT_EQ(crc32c::mask(crc), masked);
  EXPECT_EQ(crc32c::masked_crc32c("123456789"), masked);
  EXPECT_EQ(crc32c::unmask(masked), crc);
  EXPECT_NE(crc32c::mask(crc), crc);
  EXPECT_NE(crc32c::mask(crc32c::mask(crc)), crc32c::mask(crc));
}
