// A foreign model's preprocess sidecar (`<model>.preprocess.json|yaml`, `--preprocess FILE`):
// parse_preprocess_statement over the text, then resolve_foreign against a model that fixes its
// input at 112 px and one that leaves it dynamic (every error a facenet::Error, never a crash).
#include <cstddef>
#include <cstdint>
#include <string>

#include "facenet/core/error.h"
#include "facenet/infer/foreign.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static bool init = (facenet::fuzz::quiet_logs(), true);
  (void)init;
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const auto stated = facenet::infer::parse_preprocess_statement(text, "fuzz.preprocess.json");
    for (int64_t side : {int64_t{112}, int64_t{0}}) {
      try {
        const auto meta = facenet::infer::resolve_foreign(stated, side, 512, "fuzz.onnx");
        // What resolves is a complete, valid statement.
        if (meta.input_size < 1 || meta.input_size > 4096 || meta.foreign.empty()) __builtin_trap();
        if (!facenet::mean_std_problem(meta.preprocess).empty()) __builtin_trap();
      } catch (const facenet::Error&) {
      }
    }
  } catch (const facenet::Error&) {
  }
  return 0;
}
