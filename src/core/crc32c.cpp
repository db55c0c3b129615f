#include "facenet/core/crc32c.h"

#include <array>
#include <cstring>

#if defined(__x86_64__) || defined(__i386__)
#define FACENET_CRC32C_X86 1
#include <nmmintrin.h>
#endif

namespace facenet::crc32c {
namespace {

constexpr uint32_t kPoly = 0x82f63b78u;  // reflected Castagnoli polynomial

// ---- portable: slicing-by-8 -------------------------------------------------------------

struct Tables {
  uint32_t t[8][256];
  constexpr Tables() : t{} {
    for (uint32_t n = 0; n < 256; ++n) {
      uint32_t c = n;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ kPoly : c >> 1;
      t[0][n] = c;
    }
    for (uint32_t n = 0; n < 256; ++n) {
      uint32_t c = t[0][n];
      for (int k = 1; k < 8; ++k) {
        c = t[0][c & 0xff] ^ (c >> 8);
        t[k][n] = c;
      }
    }
  }
};
constexpr Tables kTables{};

inline uint64_t load64(const unsigned char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  v = __builtin_bswap64(v);
#endif
  return v;
}

// ---- combining streams: the operator "append N zero bytes" as 4 byte tables -----------

// Multiplies the GF(2) 32x32 matrix `mat` (column n = image of bit n) by `vec`.
uint32_t gf2_times(const uint32_t* mat, uint32_t vec) {
  uint32_t sum = 0;
  for (; vec; vec >>= 1, ++mat)
    if (vec & 1) sum ^= *mat;
  return sum;
}

void gf2_square(uint32_t* square, const uint32_t* mat) {
  for (int n = 0; n < 32; ++n) square[n] = gf2_times(mat, mat[n]);
}

// Tables applying to a CRC register the effect of `bytes` zero bytes (a power of two).
struct ZeroShift {
  uint32_t t[4][256];
  explicit ZeroShift(size_t bytes) {
    uint32_t op[32], sq[32];
    op[0] = kPoly;  // one zero bit
    for (int n = 1; n < 32; ++n) op[n] = 1u << (n - 1);
    for (size_t bits = 1; bits < bytes * 8; bits <<= 1) {
      gf2_square(sq, op);
      std::memcpy(op, sq, sizeof op);
    }
    for (uint32_t n = 0; n < 256; ++n)
      for (int k = 0; k < 4; ++k) t[k][n] = gf2_times(op, n << (8 * k));
  }
  uint32_t operator()(uint32_t crc) const {
    return t[0][crc & 0xff] ^ t[1][(crc >> 8) & 0xff] ^ t[2][(crc >> 16) & 0xff] ^ t[3][crc >> 24];
  }
};

constexpr size_t kLong = 8192;  // bytes per stream in the long three-way loop
constexpr size_t kShort = 256;  // and in the short one

#ifdef FACENET_CRC32C_X86
const ZeroShift& long_shift() {
  static const ZeroShift s(kLong);
  return s;
}
const ZeroShift& short_shift() {
  static const ZeroShift s(kShort);
  return s;
}

bool detect_sse42() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("sse4.2");
}
#endif

}  // namespace

uint32_t extend_portable(uint32_t crc, const void* data, size_t n) {
  const auto& t = kTables.t;
  auto p = static_cast<const unsigned char*>(data);
  uint32_t c = ~crc;
  while (n && (reinterpret_cast<uintptr_t>(p) & 7)) {
    c = t[0][(c ^ *p++) & 0xff] ^ (c >> 8);
    --n;
  }
  for (; n >= 8; n -= 8, p += 8) {
    const uint64_t w = load64(p) ^ c;
    c = t[7][w & 0xff] ^ t[6][(w >> 8) & 0xff] ^ t[5][(w >> 16) & 0xff] ^ t[4][(w >> 24) & 0xff] ^
        t[3][(w >> 32) & 0xff] ^ t[2][(w >> 40) & 0xff] ^ t[1][(w >> 48) & 0xff] ^ t[0][w >> 56];
  }
  while (n--) c = t[0][(c ^ *p++) & 0xff] ^ (c >> 8);
  return ~c;
}

#ifdef FACENET_CRC32C_X86
// The crc32 instruction has a latency of 3 cycles and a throughput of 1 per cycle, so three
// independent streams over adjacent blocks, merged with the zero-shift operator, run ~3x faster
// than one (the method of Mark Adler's crc32c.c). Consumes whole groups of 3 * block bytes.
static __attribute__((target("sse4.2"))) uint64_t three_way(uint64_t c0, const unsigned char*& p, size_t& n,
                                                            size_t block, const ZeroShift& shift) {
  while (n >= 3 * block) {
    uint64_t c1 = 0, c2 = 0;
    const unsigned char* end = p + block;
    do {
      c0 = _mm_crc32_u64(c0, load64(p));
      c1 = _mm_crc32_u64(c1, load64(p + block));
      c2 = _mm_crc32_u64(c2, load64(p + 2 * block));
      p += 8;
    } while (p < end);
    c0 = shift(static_cast<uint32_t>(c0)) ^ static_cast<uint32_t>(c1);
    c0 = shift(static_cast<uint32_t>(c0)) ^ static_cast<uint32_t>(c2);
    p += 2 * block;
    n -= 3 * block;
  }
  return c0;
}

__attribute__((target("sse4.2"))) uint32_t extend_hardware(uint32_t crc, const void* data, size_t n) {
  auto p = static_cast<const unsigned char*>(data);
  uint64_t c0 = ~crc;
  while (n && (reinterpret_cast<uintptr_t>(p) & 7)) {
    c0 = _mm_crc32_u8(static_cast<uint32_t>(c0), *p++);
    --n;
  }
  if (n >= 3 * kLong) c0 = three_way(c0, p, n, kLong, long_shift());
  if (n >= 3 * kShort) c0 = three_way(c0, p, n, kShort, short_shift());
  for (; n >= 8; n -= 8, p += 8) c0 = _mm_crc32_u64(c0, load64(p));
  while (n--) c0 = _mm_crc32_u8(static_cast<uint32_t>(c0), *p++);
  return ~static_cast<uint32_t>(c0);
}

bool hardware_accelerated() {
  static const bool has = detect_sse42();
  return has;
}

uint32_t extend(uint32_t crc, const void* data, size_t n) {
  static const bool hw = hardware_accelerated();
  return hw ? extend_hardware(crc, data, n) : extend_portable(crc, data, n);
}
#else
uint32_t extend_hardware(uint32_t crc, const void* data, size_t n) { return extend_portable(crc, data, n); }
bool hardware_accelerated() { return false; }
uint32_t extend(uint32_t crc, const void* data, size_t n) { return extend_portable(crc, data, n); }
#endif

}  // namespace facenet::crc32c
