// insightface .bin verification sets (a Python pickle of (images, issame)), parsed in memory.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "facenet/core/error.h"
#include "facenet/data/verification_bin.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    auto bin = facenet::data::parse_verification_bin(
        std::string_view(reinterpret_cast<const char*>(data), size), "fuzz.bin");
    if (bin.images.size() != 2 * bin.issame.size()) __builtin_trap();
  } catch (const facenet::Error&) {
  }
  return 0;
}
