#pragma once
// The inputs libFuzzer found crashing (tests/fuzz/crashes/<harness>/<name>), for the
// regression tests that feed each through the same API and expect a clean facenet::Error.
// Each harness's input layout (a leading mode byte, sections) is in tests/fuzz/<harness>.cpp.
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>

namespace facenet::test {

inline std::string fuzz_input(const std::string& harness, const std::string& name) {
  const std::string path = std::string(FACENET_SOURCE_DIR) + "/tests/fuzz/crashes/" + harness + "/" + name;
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("missing fuzz input " + path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace facenet::test
