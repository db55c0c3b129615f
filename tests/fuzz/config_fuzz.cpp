// YAML config text and `--set` overrides: the input is YAML, then optionally a line holding
// only "---overrides---" followed by one `key=value` override per line.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "facenet/core/config_yaml.h"
#include "facenet/core/error.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static bool init = (facenet::fuzz::quiet_logs(), true);
  (void)init;
  std::string text(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> overrides;
  static const std::string kSplit = "\n---overrides---\n";
  if (auto at = text.find(kSplit); at != std::string::npos) {
    std::string rest = text.substr(at + kSplit.size());
    text.resize(at);
    std::size_t start = 0;
    while (start <= rest.size()) {
      std::size_t end = rest.find('\n', start);
      if (end == std::string::npos) end = rest.size();
      overrides.push_back(rest.substr(start, end - start));
      start = end + 1;
    }
  }
  try {
    facenet::Config config = facenet::load_config_text(text, "fuzz.yaml", overrides);
    // A config that loads must print and load back (what checkpoints rely on).
    std::string yaml = facenet::to_yaml(config);
    facenet::Config again = facenet::load_config_text(yaml, "fuzz-roundtrip.yaml");
    if (facenet::to_yaml(again) != yaml) __builtin_trap();
  } catch (const facenet::Error&) {
  }
  return 0;
}
