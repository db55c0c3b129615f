// Pairs files: the first byte picks the format (Auto, LFW, List), the rest is the text.
// parse_pairs_text is the in-memory parser read_pairs uses; the list helpers run on the result.
#include <cstddef>
#include <cstdint>
#include <string>

#include "facenet/core/error.h"
#include "facenet/eval/pairs.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static bool init = (facenet::fuzz::quiet_logs(), true);
  (void)init;
  if (size == 0) return 0;
  const facenet::PairsFormat formats[] = {facenet::PairsFormat::Auto, facenet::PairsFormat::LFW,
                                          facenet::PairsFormat::List};
  const auto format = formats[data[0] % 3];
  std::string text(reinterpret_cast<const char*>(data + 1), size - 1);
  try {
    auto list = facenet::eval::parse_pairs_text(text, "fuzz-pairs.txt", format);
    auto mixed = facenet::eval::interleave_same_diff(list.pairs);
    if (mixed.size() != list.pairs.size()) __builtin_trap();
    (void)facenet::eval::unique_images(list.pairs);
    (void)facenet::eval::drop_missing(list.pairs, [](const std::string& p) { return p.size() % 2 == 0; }, true,
                                      "fuzz");
  } catch (const facenet::Error&) {
  }
  return 0;
}
