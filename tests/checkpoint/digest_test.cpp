// Every file the project writes and later trusts carries a content digest: a flipped bit
// anywhere in a checkpoint or an export is refused with a one-line error, never loaded.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "support/export_test_util.h"
#include "facenet/checkpoint/checkpoint.h"
#include "facenet/core/error.h"
#include "facenet/core/fs.h"
#include "facenet/core/zip_digest.h"
#include "facenet/export/export.h"
#include "facenet/infer/meta.h"
#include "facenet/infer/network_loader.h"
#include "support/cli_runner.h"

using namespace facenet;

namespace {

/// Flips one bit at each of `count` positions spread over the file (one at a time) and
/// expects `load` to throw an Error naming the file each time.
void expect_every_flip_refused(const std::string& path, int count, const std::function<void(const std::string&)>& load) {
  const auto original = read_file(path);
  const auto damaged = path + ".damaged";
  for (int i = 0; i < count; ++i) {
    auto bytes = original;
    const std::size_t at = (bytes.size() - 1) * static_cast<std::size_t>(i) / static_cast<std::size_t>(count - 1);
    bytes[at] = static_cast<char>(bytes[at] ^ (1 << (i % 8)));
    write_file_atomic(damaged, bytes);
    try {
      load(damaged);
      ADD_FAILURE() << "a flipped bit at byte " << at << " of " << bytes.size() << " was not noticed";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(damaged), std::string::npos) << e.what();
      EXPECT_EQ(std::string(e.what()).find("frame #"), std::string::npos) << e.what();
    }
  }
}

}  // namespace

TEST(Digest, FlippedBitAnywhereInACheckpointIsRefused) {
  auto model = test::random_model(Backbone::MobileNet, 16, 64);
  const auto path = test::temp_path("digest.pt");
  test::write_checkpoint(path, model, 64, 0.5);
  EXPECT_EQ(verify_zip(path), DigestCheck::Intact);
  EXPECT_TRUE(Checkpoint::open(path).digest_verified());
  expect_every_flip_refused(path, 64, [](const std::string& p) {
    const auto c = Checkpoint::open(p);
    auto m = models::make_model(c.info().config.model);
    c.load_into(*m);
  });
}

TEST(Digest, FlippedBitAnywhereInAnExportIsRefused) {
  auto model = test::random_model(Backbone::MobileNet, 16, 64);
  model->eval();
  infer::ExportMeta meta;
  meta.embedding_size = 16;
  meta.input_size = meta.preprocess.image_size = 64;
  const auto ts = test::temp_path("digest.ts.pt");
  exporting::export_torchscript(*model, meta, ts);
  EXPECT_TRUE(infer::load_network(ts).digest_verified);
  expect_every_flip_refused(ts, 48, [](const std::string& p) { infer::load_network(p); });
  const auto onnx = test::temp_path("digest.onnx");
  exporting::export_onnx(*model, meta, ExportConfig{}, onnx);
  EXPECT_TRUE(infer::load_network(onnx).digest_verified);
  expect_every_flip_refused(onnx, 48, [](const std::string& p) { infer::load_network(p); });
}

TEST(Digest, CorruptFilesGiveOneLineErrorsWithoutBacktraces) {
  auto model = test::random_model(Backbone::MobileNet, 16, 64);
  const auto path = test::temp_path("truncated.pt");
  test::write_checkpoint(path, model, 64, 0.5);
  auto bytes = read_file(path);
  write_file_atomic(path, bytes.substr(0, bytes.size() / 2));
  const auto r = test::run_cli("check " + path);
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("intact: no"), std::string::npos) << r.output;
  const auto e = test::run_cli("export --checkpoint " + path + " --format onnx --out " + path + ".onnx");
  EXPECT_EQ(e.code, 1) << e.output;
  EXPECT_EQ(e.output.find("frame #"), std::string::npos) << e.output;
  EXPECT_EQ(e.output.find("Exception raised from"), std::string::npos) << e.output;
  EXPECT_LE(std::count(e.output.begin(), e.output.end(), '\n'), 2) << e.output;
}

TEST(Digest, CheckpointsWithoutADigestStillLoadAfterTheirShapeAndEntriesAreChecked) {
  // Checkpoints written before digests are vetted against what OutputArchive writes (a LibTorch
  // parser crash otherwise); real ones of both backbones, with a head and Adam's state, pass.
  for (const auto backbone : {Backbone::MobileNet, Backbone::InceptionResNetV1}) {
    ModelConfig mc;
    mc.backbone = backbone;
    mc.embedding_size = 16;
    auto model = models::make_model(mc);
    torch::nn::Linear head(16, 5);
    torch::optim::Adam adam(model->parameters(), torch::optim::AdamOptions(1e-3));
    for (auto& p : model->parameters()) p.mutable_grad() = torch::ones_like(p);
    adam.step();  // Adam's per-parameter state goes into the archive too
    Config config;
    config.model = model->options();
    config.data.preprocess.image_size = 96;
    TrainingState state;
    const auto path = test::temp_path("unsealed.pt");
    save_checkpoint(path, {config, state, 5, *model, head.get(), &adam});
    // Strip the digest: drop the end-of-central-directory comment and zero its length field.
    auto bytes = read_file(path);
    const auto comment = bytes.rfind("facenet-crc32c:");
    ASSERT_NE(comment, std::string::npos);
    bytes.resize(comment);
    bytes[comment - 2] = bytes[comment - 1] = 0;
    write_file_atomic(path, bytes);
    ASSERT_EQ(verify_zip(path), DigestCheck::NoDigest);
    const auto c = Checkpoint::open(path);
    EXPECT_FALSE(c.digest_verified());
    auto loaded = models::make_model(c.info().config.model);
    c.load_into(*loaded);
    EXPECT_TRUE(torch::equal(loaded->parameters()[0], model->parameters()[0]));
    // Without a digest, zip's own per-entry CRC-32 still catches a flipped byte in a tensor.
    bytes[bytes.size() / 2] = static_cast<char>(bytes[bytes.size() / 2] ^ 0x10);
    write_file_atomic(path, bytes);
    try {
      Checkpoint::open(path);
      ADD_FAILURE() << "a flipped byte in an unsealed checkpoint loaded";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("' fails its CRC-32 (recorded "), std::string::npos) << e.what();
    }
  }
}
