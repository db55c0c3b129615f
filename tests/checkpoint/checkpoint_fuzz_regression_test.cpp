// Inputs the network_fuzz harness found (tests/fuzz/crashes/network_fuzz), through
// load_network as the harness does (mode byte 0: the rest is the model file): each must end
// in a clean facenet::Error.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <zlib.h>
#include <stdexcept>

#include "facenet/core/error.h"
#include "facenet/infer/network_loader.h"
#include "support/fuzz_input.h"

using namespace facenet;

namespace {

/// The message load_network gives for `file` (the model file's bytes); "" when it loads.
std::string load_error_of(const std::string& file) {
  const auto dir = std::filesystem::temp_directory_path() / "facenet-network-fuzz";
  std::filesystem::create_directories(dir);
  const auto path = (dir / "model.bin").string();
  std::ofstream(path, std::ios::binary) << file;
  std::string message;
  try {
    infer::load_network(path);
  } catch (const Error& e) {
    message = e.what();
  }
  std::filesystem::remove_all(dir);
  return message;
}

/// The same for a network_fuzz input in mode 0 (the rest is the model file).
std::string load_error(const std::string& input_name) {
  return load_error_of(test::fuzz_input("network_fuzz", input_name).substr(1));
}

/// The model file of a network_fuzz input with its zip comment removed: the archive as a tool
/// that writes no digest would leave it.
std::string without_archive_comment(const std::string& input_name) {
  const auto file = test::fuzz_input("network_fuzz", input_name).substr(1);
  const auto end = file.rfind(std::string("PK\x05\x06", 4));
  if (end == std::string::npos) throw std::runtime_error(input_name + " has no end of central directory");
  return file.substr(0, end + 20) + std::string(2, '\0');
}

/// `zip` with every central-directory CRC-32 recomputed over its entry's stored bytes: a damaged
/// archive as a tool that writes consistent CRCs would leave it.
std::string with_matching_entry_crcs(std::string zip) {
  auto le = [&](size_t at, int bytes) {
    uint64_t v = 0;
    for (int b = bytes - 1; b >= 0; --b) v = v << 8 | static_cast<unsigned char>(zip[at + static_cast<size_t>(b)]);
    return v;
  };
  const auto end = zip.rfind(std::string("PK\x05\x06", 4));
  size_t at = le(end + 16, 4);
  for (uint64_t e = 0, n = le(end + 10, 2); e < n; ++e) {
    const auto size = le(at + 20, 4), local = le(at + 42, 4);
    const auto data = local + 30 + le(local + 26, 2) + le(local + 28, 2);
    const auto crc = crc32(0L, reinterpret_cast<const Bytef*>(zip.data() + data), static_cast<uInt>(size));
    for (int b = 0; b < 4; ++b) zip[at + 16 + static_cast<size_t>(b)] = static_cast<char>((crc >> (8 * b)) & 0xff);
    at += 46 + le(at + 28, 2) + le(at + 30, 2) + le(at + 32, 2);
  }
  return zip;
}

}  // namespace

TEST(NetworkFuzzRegression, CheckpointWithUnparsableTorchScriptTypeIsAnError) {
  // A checkpoint-like zip whose archive names a class LibTorch's TorchScript parser rejects with
  // std::runtime_error (Checkpoint::open caught only c10::Error).
  EXPECT_FALSE(load_error("checkpoint-bad-torchscript-type").empty());
}

TEST(NetworkFuzzRegression, UnsealedCheckpointWithAMisspeltDeclarationNeverReachesTheParser) {
  // `__bUffers__ = []` in code/__torch__.py of a checkpoint whose digest comment was damaged
  // too ("facenet-crc40c:..."), so it loaded as one without a digest: LibTorch 1.13's
  // ScriptTypeParser::parseClassConstant dereferenced null on the line (SEGV). A damaged
  // comment is now a damaged digest; without any comment, the archive is checked against what
  // OutputArchive writes before torch::jit::load sees it.
  auto message = load_error("checkpoint-misspelt-buffers-declaration");
  EXPECT_NE(message.find("content digest record is corrupt"), std::string::npos) << message;
  // Without any comment its damaged entries fail zip's CRC-32; with those made to match, the
  // shape check refuses the declaration.
  message = load_error_of(without_archive_comment("checkpoint-misspelt-buffers-declaration"));
  EXPECT_NE(message.find("fails its CRC-32"), std::string::npos) << message;
  message = load_error_of(with_matching_entry_crcs(without_archive_comment("checkpoint-misspelt-buffers-declaration")));
  EXPECT_NE(message.find("code/__torch__.py' line 3 is not a module declaration"), std::string::npos) << message;
}

TEST(NetworkFuzzRegression, ExportWithAMisspeltDeclarationNeverReachesTheParser) {
  // The same crash through a TorchScript export: `__parameterk__ = []`, digest comment damaged
  // ("facenet-crc3..."). Without the comment its entries fail their CRC-32; with those made to
  // match, the class-declaration check every TorchScript load runs refuses it.
  auto message = load_error("export-misspelt-parameters-declaration");
  EXPECT_NE(message.find("content digest record is corrupt"), std::string::npos) << message;
  message = load_error_of(without_archive_comment("export-misspelt-parameters-declaration"));
  EXPECT_NE(message.find("fails its CRC-32"), std::string::npos) << message;
  message = load_error_of(with_matching_entry_crcs(without_archive_comment("export-misspelt-parameters-declaration")));
  EXPECT_NE(message.find("code/__torch__.py' line 2 assigns a class attribute without a type: '__parameterk__ = []'"),
            std::string::npos)
      << message;
}

TEST(NetworkFuzzRegression, PickleLengthPastItsRecordIsRefusedBeforeTheUnpicklerReservesIt) {
  // A checkpoint whose digest comment was mangled beyond recognition ("facunet-crc32c:...",
  // so it loads as one without a digest) and whose data.pkl claims a 4 GB string: LibTorch's
  // unpickler reserved the claimed length (out of memory). Its damaged entry now fails zip's
  // CRC-32; with the CRC-32s made to match, the pickle check refuses the length.
  auto message = load_error("pickle-length-past-its-record");
  EXPECT_NE(message.find("fails its CRC-32"), std::string::npos) << message;
  message = load_error_of(with_matching_entry_crcs(test::fuzz_input("network_fuzz", "pickle-length-past-its-record").substr(1)));
  EXPECT_NE(message.find("data.pkl' byte "), std::string::npos) << message;
  EXPECT_NE(message.find("remain"), std::string::npos) << message;
}

TEST(NetworkFuzzRegression, DamagedEntryOfACheckpointWithoutADigestIsRefusedByItsCrc) {
  // A checkpoint without a digest whose data.pkl was damaged: LibTorch's unpickler allocated
  // 25 GB reading it (LibTorch does not check zip's CRC-32). Entries of archives without a
  // digest are now checked against their CRC-32 first.
  const auto message = load_error("pickle-memo-index-out-of-sequence");
  EXPECT_NE(message.find("' is damaged: entry 'seed.pt/"), std::string::npos) << message;
  EXPECT_NE(message.find("' fails its CRC-32 (recorded "), std::string::npos) << message;
}
