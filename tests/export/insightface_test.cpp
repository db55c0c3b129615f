// insightface's arcface_torch networks: our IResNet/MobileFaceNet carry its names and shapes,
// `facenet import --layout insightface` reads its backbone.pth, and the imported network gives the
// embeddings insightface's own modules give with the same weights. The reference embeddings in
// fixtures/insightface_*.json come from bench/insightface_reference.py (arcface_torch's networks
// restated in PyTorch, loaded with strict names) over weights this file generates
// (scripts/experiments/insightface_fixture.sh rebuilds them).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "facenet/checkpoint/checkpoint.h"
#include "facenet/data/image_io.h"
#include "facenet/export/export.h"
#include "facenet/export/insightface.h"
#include "facenet/infer/network_loader.h"
#include "facenet/models/graph.h"
#include "facenet/models/summary.h"
#include "facenet/tasks/exporter.h"
#include "support/error_of.h"
#include "support/export_test_util.h"

namespace facenet {
namespace {

namespace fs = std::filesystem;
const fs::path kFixtures = fs::path(FACENET_SOURCE_DIR) / "tests/export/fixtures";

// splitmix64: a stream both this file and a reader of the written .pth agree on without Python.
double uniform(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  z ^= z >> 31;
  return static_cast<double>(z >> 11) / static_cast<double>(1ull << 53) * 2.0 - 1.0;  // [-1, 1)
}

bool ends_with(const std::string& s, const std::string& p) {
  return s.size() >= p.size() && s.compare(s.size() - p.size(), p.size(), p) == 0;
}

/// Deterministic weights in insightface's ranges: convolutions and linear layers with variance
/// 1/fan_in, BatchNorm statistics around identity, PReLU slopes around 0.25.
models::FaceNet deterministic_model(Backbone backbone, int64_t embedding_size, uint64_t seed) {
  ModelConfig mc;
  mc.backbone = backbone;
  mc.embedding_size = embedding_size;
  auto model = models::make_model(mc);
  torch::NoGradGuard no_grad;
  uint64_t state = seed;
  auto fill = [&](const std::string& key, torch::Tensor t) {
    if (!t.is_floating_point()) return;
    auto values = torch::empty({t.numel()}, torch::kDouble);
    auto* v = values.data_ptr<double>();
    const bool prelu = key.find("prelu") != std::string::npos || (t.dim() == 1 && ends_with(key, ".2.weight"));
    const double fan_in = t.dim() > 1 ? static_cast<double>(t.numel() / t.size(0)) : 1.0;
    for (int64_t i = 0; i < t.numel(); ++i) {
      const double u = uniform(state);
      if (t.dim() > 1) v[i] = u * std::sqrt(3.0 / fan_in);
      else if (ends_with(key, "running_var")) v[i] = 1.0 + 0.5 * u;
      else if (ends_with(key, "running_mean") || ends_with(key, "bias")) v[i] = 0.1 * u;
      else if (prelu) v[i] = 0.25 + 0.1 * u;
      else v[i] = 1.0 + 0.2 * u;  // BatchNorm weight
    }
    t.copy_(values.view(t.sizes()));
  };
  for (auto& p : model->named_parameters(true))
    if (p.key() != "backbone.features.weight") fill(p.key(), p.value());  // fixed at 1 in arcface_torch
  for (auto& b : model->named_buffers(true)) fill(b.key(), b.value());
  model->eval();
  return model;
}

std::string write_pth(Backbone backbone, int64_t embedding_size, uint64_t seed, const std::string& name) {
  auto model = deterministic_model(backbone, embedding_size, seed);
  const auto path = test::temp_path(name);
  exporting::export_state_dict(*model, "insightface", path);
  return path;
}

std::vector<std::string> fixture_images() {
  return {(kFixtures / "insightface_face0.png").string(), (kFixtures / "insightface_face1.png").string()};
}

// Blocks (with their keys) written out by hand from iresnet.py: the parameters of r50.
int64_t iresnet_parameters(std::array<int64_t, 4> layers, int64_t d) {
  int64_t n = 3 * 64 * 9 + 2 * 64 + 64;  // conv1, bn1, prelu
  int64_t in = 64;
  const int64_t planes[4] = {64, 128, 256, 512};
  for (int s = 0; s < 4; ++s)
    for (int64_t b = 0; b < layers[s]; ++b) {
      const int64_t p = planes[s];
      n += 2 * in + in * p * 9 + 2 * p + p + p * p * 9 + 2 * p;  // bn1 conv1 bn2 prelu conv2 bn3
      if (b == 0) n += in * p + 2 * p;                          // downsample conv + BN
      in = p;
    }
  return n + 2 * 512 + 512 * 49 * d + d + 2 * d;  // bn2, fc (weight + bias), features
}

TEST(InsightfaceNetworks, IResNetHasArcfaceTorchsNamesShapesAndCost) {
  ModelConfig mc;
  mc.backbone = Backbone::IResNet50;
  mc.embedding_size = 512;
  auto model = models::make_model(mc);
  std::map<std::string, std::vector<int64_t>> keys;
  for (const auto& p : model->named_parameters(true)) keys[p.key()] = p.value().sizes().vec();
  for (const auto& b : model->named_buffers(true)) keys[b.key()] = b.value().sizes().vec();
  EXPECT_EQ(keys.at("backbone.conv1.weight"), (std::vector<int64_t>{64, 3, 3, 3}));
  EXPECT_EQ(keys.at("backbone.prelu.weight"), (std::vector<int64_t>{64}));
  EXPECT_EQ(keys.at("backbone.layer1.0.downsample.0.weight"), (std::vector<int64_t>{64, 64, 1, 1}));
  EXPECT_EQ(keys.at("backbone.layer3.13.bn3.running_var"), (std::vector<int64_t>{256}));
  EXPECT_EQ(keys.at("backbone.layer4.0.conv2.weight"), (std::vector<int64_t>{512, 512, 3, 3}));
  EXPECT_EQ(keys.at("backbone.fc.weight"), (std::vector<int64_t>{512, 512 * 7 * 7}));
  EXPECT_EQ(keys.at("backbone.features.running_mean"), (std::vector<int64_t>{512}));
  EXPECT_FALSE(keys.count("backbone.layer3.14.bn1.weight"));
  EXPECT_FALSE(keys.count("backbone.layer1.1.downsample.0.weight"));
  EXPECT_FALSE(keys.count("last_linear.weight"));
  const int64_t total = models::count_parameters(*model);
  EXPECT_EQ(total, iresnet_parameters({3, 4, 14, 3}, 512));
  EXPECT_NEAR(total / 1e6, 43.6, 0.05);  // arcface_torch's published r50 size
  // features.weight is fixed at 1 and not trained, as in iresnet.py.
  EXPECT_EQ(models::count_trainable_parameters(*model), total - 512);
  const auto graph = models::build_graph(*model);
  EXPECT_NEAR(models::count_macs(graph, 112) / 1e9, 6.309, 0.001);
  EXPECT_NEAR(models::count_ptflops(graph, 112) / 1e9, 6.3, 0.05);  // arcface_torch's published 6.3 GFLOPs
}

TEST(InsightfaceNetworks, MobileFaceNetHasArcfaceTorchsNamesAndCost) {
  ModelConfig mc;
  mc.backbone = Backbone::MobileFaceNet;
  mc.embedding_size = 512;
  auto model = models::make_model(mc);
  std::map<std::string, std::vector<int64_t>> keys;
  for (const auto& p : model->named_parameters(true)) keys[p.key()] = p.value().sizes().vec();
  EXPECT_EQ(keys.at("backbone.layers.0.layers.0.weight"), (std::vector<int64_t>{128, 3, 3, 3}));
  EXPECT_EQ(keys.at("backbone.layers.1.layers.0.weight"), (std::vector<int64_t>{128, 2, 3, 3}));  // groups 64
  EXPECT_EQ(keys.at("backbone.layers.2.layers.1.layers.0.weight"), (std::vector<int64_t>{128, 1, 3, 3}));
  EXPECT_EQ(keys.at("backbone.layers.5.layers.5.layers.2.layers.0.weight"), (std::vector<int64_t>{256, 256, 1, 1}));
  EXPECT_EQ(keys.at("backbone.layers.6.layers.0.layers.0.weight"), (std::vector<int64_t>{512, 256, 1, 1}));
  EXPECT_EQ(keys.at("backbone.conv_sep.layers.2.weight"), (std::vector<int64_t>{512}));
  EXPECT_EQ(keys.at("backbone.features.layers.0.layers.0.weight"), (std::vector<int64_t>{512, 1, 7, 7}));
  EXPECT_EQ(keys.at("backbone.features.layers.2.weight"), (std::vector<int64_t>{512, 512}));
  EXPECT_EQ(keys.at("backbone.features.layers.3.weight"), (std::vector<int64_t>{512}));
  EXPECT_FALSE(keys.count("backbone.layers.8.layers.0.weight"));
  const auto graph = models::build_graph(*model);
  EXPECT_NEAR(models::count_macs(graph, 112) / 1e9, 0.4375, 0.001);
  // arcface_torch's published 0.45 GFLOPs for mbf (flops.py: ptflops, which adds BatchNorm and PReLU).
  EXPECT_NEAR(models::count_ptflops(graph, 112) / 1e9, 0.45, 0.005);
  EXPECT_EQ(models::count_parameters(*model), 2059520);  // bench/insightface_models.py's count
}

TEST(InsightfaceNetworks, CompiledGraphEqualsTheEagerNetwork) {
  for (auto backbone : {Backbone::IResNet18, Backbone::MobileFaceNet}) {
    auto model = deterministic_model(backbone, 128, 7);
    PreprocessConfig pre;
    pre.image_size = 112;
    pre.normalization = Normalization::Symmetric;
    const auto x = test::synth_batch(3, pre);
    torch::Tensor eager;
    {
      torch::NoGradGuard no_grad;
      eager = model->forward(x);
    }
    auto graph = models::build_graph(*model);
    models::fold_batch_norms(graph);
    auto script = models::to_script_module(graph);
    torch::NoGradGuard no_grad;
    const auto compiled = script.forward({x}).toTensor();
    EXPECT_LT(test::max_abs_diff(compiled, eager), 1e-4) << to_string(backbone);
    EXPECT_GT(test::max_abs_diff(eager[0], eager[1]), 1e-2) << to_string(backbone) << ": degenerate network";
  }
}

// The fixture inputs and weights, for scripts/experiments/insightface_fixture.sh (skipped
// unless FACENET_INSIGHTFACE_FIXTURE_OUT names a folder).
TEST(InsightfaceFixture, WritesTheReferenceInputs) {
  const char* out = std::getenv("FACENET_INSIGHTFACE_FIXTURE_OUT");
  if (!out) GTEST_SKIP() << "FACENET_INSIGHTFACE_FIXTURE_OUT not set";
  fs::create_directories(out);
  for (int i = 0; i < 2; ++i)
    data::write_image((fs::path(out) / ("insightface_face" + std::to_string(i) + ".png")).string(),
                      test::synth_face(i, 0, 112));
  for (const auto& [backbone, name] : {std::pair{Backbone::IResNet18, "r18"}, {Backbone::MobileFaceNet, "mbf"}}) {
    auto model = deterministic_model(backbone, 512, 2048);
    exporting::export_state_dict(*model, "insightface", (fs::path(out) / (std::string(name) + ".pth")).string());
  }
}

void expect_reference_embeddings(Backbone backbone, const std::string& name) {
  const auto pth = write_pth(backbone, 512, 2048, name + ".pth");
  const auto ckpt = test::temp_path(name + ".ckpt");
  tasks::run_import("insightface", pth, ckpt, name);
  std::ifstream in(kFixtures / ("insightface_" + name + ".json"));
  ASSERT_TRUE(in) << "missing fixture for " << name;
  const auto reference = nlohmann::json::parse(in);
  const auto net = infer::load_embedding_network(ckpt);
  EXPECT_EQ(net.preprocess.image_size, 112);
  EXPECT_EQ(net.preprocess.normalization, Normalization::Symmetric);
  EXPECT_EQ(net.preprocess.channel_order, ChannelOrder::RGB);
  EXPECT_EQ(net.meta.crop.rule, CropRule::FivePoint);
  const auto ours = net.embed(fixture_images(), false);
  ASSERT_EQ(ours.size(0), 2);
  for (int i = 0; i < 2; ++i) {
    const auto expected = reference["embeddings"][i].get<std::vector<double>>();
    ASSERT_EQ(static_cast<int64_t>(expected.size()), ours.size(1));
    double worst = 0, dot = 0;
    for (size_t k = 0; k < expected.size(); ++k) {
      const double v = ours[i][k].item<double>();
      worst = std::max(worst, std::abs(v - expected[k]));
      dot += v * expected[k];
    }
    EXPECT_LT(worst, 1e-4) << name << " image " << i;
    EXPECT_GT(dot, 0.99999) << name << " image " << i;
  }
}

TEST(InsightfaceImport, IResNet18EmbeddingsEqualInsightfacesModule) {
  expect_reference_embeddings(Backbone::IResNet18, "r18");
}

TEST(InsightfaceImport, MobileFaceNetEmbeddingsEqualInsightfacesModule) {
  expect_reference_embeddings(Backbone::MobileFaceNet, "mbf");
}

TEST(InsightfaceImport, TheBackboneIsReadFromTheKeysWhenNotGiven) {
  const auto pth = write_pth(Backbone::MobileFaceNet, 128, 3, "guess.pth");
  const auto ckpt = test::temp_path("guess.ckpt");
  const auto line = tasks::run_import("insightface", pth, ckpt, "");
  EXPECT_NE(line.find("mobilefacenet"), std::string::npos) << line;
  EXPECT_EQ(Checkpoint::open(ckpt).info().config.model.embedding_size, 128);
}

TEST(InsightfaceImport, AnotherDepthIsRefusedNamingTheStageAndBothDepths) {
  const auto pth = write_pth(Backbone::IResNet34, 64, 3, "r34.pth");
  const auto msg = test::error_of([&] { tasks::run_import("insightface", pth, test::temp_path("x.ckpt"), "r50"); });
  EXPECT_NE(msg.find("layer3 has 6 blocks, expected 14"), std::string::npos) << msg;
  EXPECT_NE(msg.find("found 3,4,6,3 = iresnet34"), std::string::npos) << msg;
  EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  EXPECT_FALSE(fs::exists(test::temp_path("x.ckpt")));
}

TEST(InsightfaceImport, AFileThatIsNotAStateDictIsRefused) {
  const auto text = test::temp_path("not_a_dict.pth");
  std::ofstream(text) << "conv1.weight = 3\n";
  auto msg = test::error_of([&] { tasks::run_import("insightface", text, test::temp_path("y.ckpt"), "r50"); });
  EXPECT_NE(msg.find("not_a_dict.pth"), std::string::npos) << msg;
  // A state dict of another network (facenet-pytorch's layout) names what it lacks.
  auto other = test::random_model(Backbone::MobileNet, 32, 96);
  const auto seed = test::temp_path("seed.pth");
  exporting::export_state_dict(*other, "seed", seed);
  msg = test::error_of([&] { tasks::run_import("insightface", seed, test::temp_path("y.ckpt"), ""); });
  EXPECT_NE(msg.find("not an insightface backbone state dict"), std::string::npos) << msg;
  EXPECT_NE(msg.find("backbone.model."), std::string::npos) << msg;  // the first key found
}

TEST(InsightfaceImport, AFlippedByteIsRefusedByZipsOwnChecksum) {
  const auto pth = write_pth(Backbone::MobileFaceNet, 64, 9, "flipped.pth");
  {
    std::fstream f(pth, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(fs::file_size(pth) / 2));
    f.put('\x5a');
  }
  const auto msg = test::error_of([&] { tasks::run_import("insightface", pth, test::temp_path("f.ckpt"), ""); });
  EXPECT_NE(msg.find("flipped.pth' is damaged"), std::string::npos) << msg;
  EXPECT_NE(msg.find("CRC-32"), std::string::npos) << msg;
  EXPECT_FALSE(fs::exists(test::temp_path("f.ckpt")));
}

TEST(InsightfaceExport, StateDictInInsightfaceLayoutRoundTrips) {
  const auto pth = write_pth(Backbone::IResNet18, 256, 5, "rt.pth");
  const auto ckpt = test::temp_path("rt.ckpt");
  tasks::run_import("insightface", pth, ckpt, "r18");
  ExportConfig config;
  config.format = "state-dict";
  config.layout = "insightface";
  const auto out = test::temp_path("rt_export.pth");
  tasks::run_export(ckpt, config, out);
  const auto a = read_state_dict(pth);
  const auto b = read_state_dict(out);
  ASSERT_EQ(a.size(), b.size());
  std::map<std::string, torch::Tensor> written(b.begin(), b.end());
  for (const auto& [key, t] : a) {
    ASSERT_TRUE(written.count(key)) << key;
    EXPECT_TRUE(torch::equal(written.at(key), t)) << key;
  }
  EXPECT_TRUE(written.count("layer4.1.bn3.num_batches_tracked"));
}

}  // namespace
}  // namespace facenet
