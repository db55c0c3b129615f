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

TEST(NetworkFuzzRegression, CheckpointWithUnparsableTorchScriptTypeIsAnError) {
  // A checkpoint-like zip whose archive names a class LibTorch's TorchScript parser rejects with
  // std::runtime_error (Checkpoint::open caught only c10::Error).
  const auto input = test::fuzz_input("network_fuzz", "checkpoint-bad-torchscript-type");
  const auto dir = std::filesystem::temp_directory_path() / "facenet-network-fuzz";
  std::filesystem::create_directories(dir);
  const auto path = (dir / "model.bin").string();
  std::ofstream(path, std::ios::binary) << input.substr(1);
  EXPECT_THROW(infer::load_network(path), Error);
  std::filesystem::remove_all(dir);
}
