// MXNet RecordIO: the input is a .rec file, scanned from the start with every record's
// IRHeader unpacked, and read at a few offsets taken from its first bytes.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "facenet/core/error.h"
#include "facenet/data/recordio.h"
#include "fuzz_support.h"

namespace rio = facenet::data::recordio;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto path = facenet::fuzz::write_file("fuzz.rec", data, size);
  try {
    rio::RecordFile file(path);
    rio::RecordScanner scan(file);
    std::string payload;
    uint64_t offset = 0;
    for (int n = 0; n < 10000 && scan.next(payload, &offset); ++n) {
      if (payload.size() > size) __builtin_trap();  // "no allocation is ever larger than the file"
      try {
        std::string_view rest;
        auto h = rio::unpack(payload, &rest, "fuzz record");
        (void)h.first_label();
        // What write_pack would store must read back the same.
        if (rio::unpack(rio::pack(h, rest), nullptr, "repack").flag != h.flag &&
            !(h.flag > 0 && h.labels.empty()))
          __builtin_trap();
      } catch (const facenet::Error&) {
      }
    }
    for (size_t i = 0; i + 8 <= size && i < 32; i += 8) {
      uint64_t at;
      std::memcpy(&at, data + i, 8);
      try {
        uint64_t next = 0;
        (void)file.read(at % (size + 8), &next, at & 1 ? 24 : UINT64_MAX);
      } catch (const facenet::Error&) {
      }
    }
  } catch (const facenet::Error&) {
  }
  return 0;
}
