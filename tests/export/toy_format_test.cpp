// Worked example: adding a network format (README, "Extending facenet-cpp"). This file is the
// whole format — its name, sniffing rule, loader and writer in one infer::NetworkFormat — and
// the single line that registers it (kToyRegistered). The tests then go through the seams the
// CLI uses: tasks::run_export writes it by its export.format name, infer::load_network and
// Embedder load it back, tasks::check_file recognises it, tasks::list_formats lists it.
//
// The toy file: "FACENET-TOY\n", the length of the metadata JSON and a newline, the JSON
// (infer::meta_to_json), then the model's parameters and buffers as a torch archive.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <sstream>

#include "support/export_test_util.h"
#include "facenet/core/error.h"
#include "facenet/core/fs.h"
#include "facenet/infer/embedder.h"
#include "facenet/infer/network_format.h"
#include "facenet/infer/network_loader.h"
#include "facenet/tasks/check.h"
#include "facenet/tasks/exporter.h"

using namespace facenet;
using facenet::test::max_abs_diff;

namespace {

const std::string kToyMagic = "FACENET-TOY\n";

std::string write_toy(models::FaceNetImpl& model, const infer::ExportMeta& meta, const ExportConfig&,
                      const std::string& path) {
  torch::serialize::OutputArchive archive;
  model.save(archive);
  std::ostringstream weights;
  archive.save_to(weights);
  const auto json = infer::meta_to_json(meta);
  write_file_atomic(path, kToyMagic + std::to_string(json.size()) + "\n" + json + weights.str());
  return "";
}

infer::LoadedNetwork load_toy(const std::string& path, InferenceDtype) {
  const auto bytes = read_file(path);
  const auto end_of_length = bytes.find('\n', kToyMagic.size());
  if (end_of_length == std::string::npos) throw Error("'" + path + "' is a truncated toy file");
  const auto json_at = end_of_length + 1;
  const auto json_size = std::stoul(bytes.substr(kToyMagic.size(), end_of_length - kToyMagic.size()));
  infer::LoadedNetwork net;
  net.meta = infer::meta_from_json(bytes.substr(json_at, json_size), path);
  ModelConfig mc;
  mc.backbone = net.meta.backbone;
  mc.embedding_size = net.meta.embedding_size;
  auto model = models::make_model(mc);
  std::istringstream weights(bytes.substr(json_at + json_size));
  torch::serialize::InputArchive archive;
  try {
    archive.load_from(weights);
    model->load(archive);
  } catch (const std::exception& e) {
    throw Error("'" + path + "' holds no readable toy weights: " + error_message(e).substr(0, 200));
  }
  model->eval();
  net.forward = [model](const torch::Tensor& x) mutable {
    torch::NoGradGuard no_grad;
    return model->forward(x);
  };
  return net;
}

infer::NetworkFormat toy_format() {
  infer::NetworkFormat f;
  f.name = "toy";
  f.kind = "toy export";
  f.description = "toy: metadata JSON and a torch archive of the weights (tests/export/toy_format_test.cpp)";
  f.extension = ".toy";
  f.sniff = [](const std::string&, const std::string& head) { return head.rfind(kToyMagic, 0) == 0; };
  f.load = load_toy;
  f.write = write_toy;
  return f;
}

// The one registration line. A program adds its formats once at start-up, before it loads
// files; in a test binary that is static initialisation (network_formats() is a function-local
// static, so the order in which initialisers run does not matter).
const bool kToyRegistered = (infer::network_formats().add(toy_format()), true);

// A 16-d MobileNet at 64 px with threshold 0.7, as a checkpoint and exported as toy by the
// task `facenet export --format toy` runs.
struct Files {
  models::FaceNet model = test::random_model(Backbone::MobileNet, 16, 64);
  std::string checkpoint = test::temp_path("toy.ckpt");
  std::string toy = test::temp_path("model.toy");
  std::string summary;  ///< run_export's line

  Files() {
    test::write_checkpoint(checkpoint, model, 64, 0.7);
    ExportConfig config;
    config.format = "toy";
    summary = tasks::run_export(checkpoint, config, toy);
  }
};

const Files& files() {
  static const Files f;
  return f;
}

}  // namespace

TEST(ToyFormat, ExportedFileLoadsBackWithTheCheckpointsEmbeddings) {
  ASSERT_TRUE(kToyRegistered);
  EXPECT_NE(files().summary.find("16-d as toy to " + files().toy), std::string::npos) << files().summary;
  const auto net = infer::load_network(files().toy);
  EXPECT_EQ(net.format, "toy");
  EXPECT_EQ(net.meta.embedding_size, 16);
  EXPECT_EQ(net.meta.preprocess.image_size, 64);
  EXPECT_DOUBLE_EQ(net.meta.threshold, 0.7);
  EXPECT_EQ(net.meta.source, files().checkpoint);

  PreprocessConfig pre;
  pre.image_size = 64;
  const auto images = test::synth_batch(3, pre);
  torch::Tensor expected;
  {
    torch::NoGradGuard no_grad;
    auto model = files().model;
    expected = model->forward(images);
  }
  const auto got = net.forward(images);
  ASSERT_EQ(got.sizes(), expected.sizes());
  EXPECT_LT(max_abs_diff(got, expected), 1e-6);  // the same weights through the same module
  // The checkpoint through its own (compiled, BN-folded) loader agrees as closely as exports do.
  EXPECT_LT(max_abs_diff(got, infer::load_network(files().checkpoint).forward(images)), 1e-4);
  // And the deployment API reads it like any other model file.
  const Embedder embedder(files().toy);
  const auto face = test::synth_face(2, 0);  // synth_batch's third image
  const auto e = embedder.embed(face);
  ASSERT_EQ(e.size(), 16u);
  EXPECT_LT(max_abs_diff(torch::tensor(e), expected[2]), 1e-4);  // a batch of one: another kernel path
}

TEST(ToyFormat, CheckAndTheFormatListRecogniseIt) {
  const auto r = tasks::check_file(files().toy);
  EXPECT_EQ(r.kind, "toy export");
  EXPECT_TRUE(r.intact) << r.problem;
  const auto text = tasks::format_check(files().toy, r);
  EXPECT_NE(text.find("embedding size: 16"), std::string::npos) << text;
  EXPECT_NE(text.find("threshold: 0.700000"), std::string::npos) << text;
  EXPECT_NE(text.find("digest: none recorded"), std::string::npos) << text;  // the toy records none
  // The checkpoint it came from is still a checkpoint: the toy's sniff is its magic only.
  EXPECT_EQ(tasks::check_file(files().checkpoint).kind, "checkpoint");

  const auto formats = tasks::list_formats();
  const auto toy = std::find_if(formats.begin(), formats.end(), [](const auto& f) { return f.name == "toy"; });
  ASSERT_NE(toy, formats.end());
  EXPECT_TRUE(toy->loads);
  EXPECT_TRUE(toy->writes);
  EXPECT_EQ(toy->extension, ".toy");
}

TEST(ToyFormat, DamagedToyFileIsAnErrorNamingIt) {
  const auto bytes = read_file(files().toy);
  const auto damaged = test::temp_path("damaged.toy");
  write_file_atomic(damaged, bytes.substr(0, bytes.size() - 100));
  try {
    infer::load_network(damaged);
    FAIL() << "a truncated toy file loaded";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(damaged), std::string::npos) << e.what();
  }
  const auto r = tasks::check_file(damaged);
  EXPECT_EQ(r.kind, "toy export");  // recognised by its magic, then refused
  EXPECT_FALSE(r.intact);
}
