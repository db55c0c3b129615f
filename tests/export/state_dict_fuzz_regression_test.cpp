// Inputs the state_dict_fuzz harness found (tests/fuzz/crashes/state_dict_fuzz), through
// read_state_dict as the harness does: each must end in a clean facenet::Error, never reach
// LibTorch's unpickler (which crashes on a pickle whose opcodes underflow its stack).
#include <caffe2/serialize/inline_container.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "facenet/core/error.h"
#include "facenet/export/state_dict.h"
#include "support/fuzz_input.h"

using namespace facenet;

namespace {

/// The message read_state_dict gives for a fuzz input in mode 1 (the rest is data.pkl, stored in
/// a torch zip as the harness does); "" when it does not throw.
std::string state_dict_error(const std::string& input_name) {
  const auto input = test::fuzz_input("state_dict_fuzz", input_name);
  EXPECT_EQ(input[0] & 1, 1);
  const auto dir = std::filesystem::temp_directory_path() / "facenet-state-dict-fuzz";
  std::filesystem::create_directories(dir);
  const auto path = (dir / "state_dict.pt").string();
  {
    caffe2::serialize::PyTorchStreamWriter writer(path);
    writer.writeRecord("data.pkl", input.data() + 1, input.size() - 1);
    writer.writeEndOfFile();
  }
  std::string message;
  try {
    exporting::read_state_dict(path);
  } catch (const Error& e) {
    message = e.what();
  }
  std::filesystem::remove_all(dir);
  return message;
}

}  // namespace

TEST(StateDictFuzzRegression, PickleThatUnderflowsTheStackIsAnError) {
  EXPECT_NE(state_dict_error("reduce-on-empty-stack").find("stack underflow"), std::string::npos);
}

TEST(StateDictFuzzRegression, StringLengthThatWrapsIsTruncationNotAnEndlessLoop) {
  // BINUNICODE with length 0xfffffffb: 5 + length wrapped to 0 in 32 bits, so the rewriter
  // never advanced (the harness's timeout). The length is now added in 64 bits.
  EXPECT_NE(state_dict_error("binunicode-length-wraps").find("truncated"), std::string::npos);
}
