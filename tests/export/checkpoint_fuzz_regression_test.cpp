// Inputs the network_fuzz harness found (tests/fuzz/crashes/network_fuzz), through
// load_network as the harness does (mode byte 0: the rest is the model file): each must end
// in a clean facenet::Error.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "facenet/core/error.h"
#include "facenet/infer/network_loader.h"
#include "support/fuzz_input.h"

using namespace facenet;

namespace {

/// The message load_network gives for a network_fuzz input in mode 0 (the rest is the model
/// file); "" when it loads.
std::string load_error(const std::string& input_name) {
  const auto input = test::fuzz_input("network_fuzz", input_name);
  const auto dir = std::filesystem::temp_directory_path() / "facenet-network-fuzz";
  std::filesystem::create_directories(dir);
  const auto path = (dir / "model.bin").string();
  std::ofstream(path, std::ios::binary) << input.substr(1);
  std::string message;
  try {
    infer::load_network(path);
  } catch (const Error& e) {
    message = e.what();
  }
  std::filesystem::remove_all(dir);
  return message;
}

}  // namespace

TEST(NetworkFuzzRegression, CheckpointWithUnparsableTorchScriptTypeIsAnError) {
  // A checkpoint-like zip whose archive names a class LibTorch's TorchScript parser rejects with
  // std::runtime_error (Checkpoint::open caught only c10::Error).
  EXPECT_FALSE(load_error("checkpoint-bad-torchscript-type").empty());
}

TEST(NetworkFuzzRegression, UnsealedCheckpointWithAMisspeltDeclarationNeverReachesTheParser) {
  // `__bUffers__ = []` in code/__torch__.py of a checkpoint without a digest: LibTorch 1.13's
  // ScriptTypeParser::parseClassConstant dereferenced null on it (SEGV). Unsealed archives are
  // now checked against what OutputArchive writes before torch::jit::load sees them.
  const auto message = load_error("checkpoint-misspelt-buffers-declaration");
  EXPECT_NE(message.find("code/__torch__.py' line 3 is not a module declaration"), std::string::npos) << message;
}
