#pragma once
// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), as used by iSCSI (RFC 3720), ext4,
// LevelDB and TensorFlow's TFRecord files. Uses the SSE4.2 `crc32` instruction (three
// interleaved streams, several GB/s per core) when the CPU has it, detected once at run time;
// otherwise a slicing-by-8 table implementation. Both give identical results.
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace facenet::crc32c {

/// The CRC-32C of `data` appended to a stream whose CRC-32C so far is `crc`
/// (0 for an empty stream): extend(extend(0, a), b) == value(a + b).
uint32_t extend(uint32_t crc, const void* data, size_t n);

/// The CRC-32C of `n` bytes at `data`.
inline uint32_t value(const void* data, size_t n) { return extend(0, data, n); }
inline uint32_t value(std::string_view data) { return extend(0, data.data(), data.size()); }

/// Masked form TensorFlow stores in TFRecord files (a CRC of data that itself holds CRCs is
/// otherwise weak): rotate right by 15 bits, add 0xa282ead8.
inline uint32_t mask(uint32_t crc) {
  return ((crc >> 15) | (crc << 17)) + 0xa282ead8u;
}
/// Inverse of mask().
inline uint32_t unmask(uint32_t masked) {
  const uint32_t rot = masked - 0xa282ead8u;
  return (rot >> 17) | (rot << 15);
}

/// mask(value(data, n)): the checksum a TFRecord header or footer holds.
inline uint32_t masked_crc32c(const void* data, size_t n) { return mask(value(data, n)); }
inline uint32_t masked_crc32c(std::string_view data) { return mask(value(data)); }

/// True when extend() uses the SSE4.2 instruction on this CPU.
bool hardware_accelerated();

/// The portable table implementation and the SSE4.2 one, always available for tests and
/// benchmarks (extend_hardware must only be called when hardware_accelerated()).
uint32_t extend_portable(uint32_t crc, const void* data, size_t n);
uint32_t extend_hardware(uint32_t crc, const void* data, size_t n);

}  // namespace facenet::crc32c
