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

TEST(StateDictFuzzRegression, PickleThatUnderflowsTheStackIsAnError) {
  // Mode byte 1: the rest is data.pkl, stored in a torch zip as the harness does.
  const auto input = test::fuzz_input("state_dict_fuzz", "reduce-on-empty-stack");
  ASSERT_EQ(input[0] & 1, 1);
  const auto dir = std::filesystem::temp_directory_path() / "facenet-state-dict-fuzz";
  std::filesystem::create_directories(dir);
  const auto path = (dir / "state_dict.pt").string();
  {
    caffe2::serialize::PyTorchStreamWriter writer(path);
    writer.writeRecord("data.pkl", input.data() + 1, input.size() - 1);
    writer.writeEndOfFile();
  }
  try {
    exporting::read_state_dict(path);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("stack underflow"), std::string::npos) << e.what();
  }
  std::filesystem::remove_all(dir);
}
