// TorchScript and state-dict exports, the facenet-pytorch import, and the committed
// fixture written by Python's torch.save.
#include <gtest/gtest.h>
#include <torch/script.h>
#include <torch/torch.h>

#include <set>

#include "support/export_test_util.h"
#include "facenet/checkpoint/checkpoint.h"
#include "facenet/core/error.h"
#include "facenet/export/export.h"
#include "facenet/infer/faces.h"
#include "facenet/infer/meta.h"
#include "facenet/infer/network_loader.h"
#include "facenet/tasks/check.h"
#include "facenet/tasks/exporter.h"
#include "facenet/export/state_dict.h"

using namespace facenet;
using facenet::test::max_abs_diff;

namespace {

const std::string kFixture = FACENET_SOURCE_DIR "/tests/export/data/tiny_state_dict.pt";

torch::Tensor embed(models::FaceNet& model, const torch::Tensor& x) {
  torch::NoGradGuard no_grad;
  return model->forward(x);
}

void expect_torchscript_equal(Backbone backbone, int64_t size) {
  auto model = test::random_model(backbone, 48, size);
  infer::ExportMeta meta;
  meta.backbone = backbone;
  meta.embedding_size = 48;
  meta.input_size = size;
  meta.preprocess.image_size = size;
  meta.threshold = 0.93;
  const auto path = test::temp_path(to_string(backbone) + ".ts.pt");
  exporting::export_torchscript(*model, meta, path);

  torch::jit::ExtraFilesMap extra{{"meta.json", ""}};
  auto loaded = torch::jit::load(path, torch::kCPU, extra);
  PreprocessConfig pre;
  pre.image_size = size;
  const auto input = test::synth_batch(3, pre);
  torch::NoGradGuard no_grad;
  const auto got = loaded.forward({input}).toTensor();
  EXPECT_LT(max_abs_diff(got, embed(model, input)), 1e-6);
  // Metadata: attribute and extra file hold the same record.
  const auto attr = loaded.attr("facenet_meta").toStringRef();
  EXPECT_EQ(attr, extra["meta.json"]);
  const auto back = infer::meta_from_json(attr, path);
  EXPECT_EQ(back.backbone, backbone);
  EXPECT_EQ(back.embedding_size, 48);
  EXPECT_DOUBLE_EQ(back.threshold, 0.93);
}

}  // namespace

TEST(TorchScriptExport, MobileNetLoadsInCppWithEqualOutputs) { expect_torchscript_equal(Backbone::MobileNet, 128); }

TEST(TorchScriptExport, InceptionResnetV1LoadsInCppWithEqualOutputs) {
  expect_torchscript_equal(Backbone::InceptionResNetV1, 112);
}

TEST(TorchScriptExport, IResNet18AndMobileFaceNetLoadInCppWithEqualOutputs) {
  expect_torchscript_equal(Backbone::IResNet18, 112);
  expect_torchscript_equal(Backbone::MobileFaceNet, 112);
}

TEST(StateDictExport, FacenetPytorchLayoutRoundTripsThroughImport) {
  auto model = test::random_model(Backbone::InceptionResNetV1, 32, 112);
  const auto path = test::temp_path("irv1_state.pt");
  exporting::export_state_dict(*model, "facenet-pytorch", path);

  const auto state = exporting::read_state_dict(path);
  std::set<std::string> keys;
  for (const auto& [k, t] : state) keys.insert(k);
  EXPECT_EQ(state.size(), model->named_parameters(true).size() + model->named_buffers(true).size());
  EXPECT_TRUE(keys.count("repeat_1.0.branch1.1.conv.weight"));
  EXPECT_TRUE(keys.count("conv2d_1a.bn.num_batches_tracked"));
  EXPECT_TRUE(keys.count("last_linear.weight"));
  EXPECT_TRUE(keys.count("last_bn.running_var"));
  EXPECT_FALSE(keys.count("backbone.conv2d_1a.conv.weight"));

  const auto ckpt = test::temp_path("imported.ckpt");
  tasks::run_import("facenet-pytorch", path, ckpt);
  const auto info = facenet::read_checkpoint_info(ckpt);
  EXPECT_EQ(info.config.model.backbone, Backbone::InceptionResNetV1);
  EXPECT_EQ(info.config.model.embedding_size, 32);  // inferred from last_linear.weight
  auto imported = models::make_model(info.config.model);
  facenet::load_checkpoint(ckpt, *imported);
  imported->eval();
  PreprocessConfig pre;
  pre.image_size = 112;
  const auto input = test::synth_batch(2, pre);
  EXPECT_EQ(max_abs_diff(embed(imported, input), embed(model, input)), 0.0);

  // facenet-pytorch's crop goes with its weights: its MTCNN, extract_face with margin 0 to 160 px.
  EXPECT_EQ(info.config.data.crop.rule, CropRule::FacenetPytorch);
  EXPECT_EQ(info.config.data.crop.margin, 0);
  EXPECT_EQ(info.config.data.crop.detector, FaceDetector::Mtcnn);
  EXPECT_EQ(info.config.data.preprocess.image_size, 160);
  // `--detect` left to the model (embed, identify, ...) runs MTCNN and cuts as facenet-pytorch does.
  const auto plan = infer::face_plan(infer::meta_from_checkpoint(Checkpoint::open(ckpt)), {});
  EXPECT_EQ(plan.detect.detector, FaceDetector::Mtcnn);
  EXPECT_EQ(plan.crop.rule, CropRule::FacenetPytorch);
  EXPECT_EQ(plan.crop.margin, 0);
  // An export of it carries the rule too, and `facenet check` prints it.
  ExportConfig ts;
  ts.format = "torchscript";
  const auto exported = test::temp_path("imported_ts.pt");
  tasks::run_export(ckpt, ts, exported);
  EXPECT_EQ(infer::load_network(exported).meta.crop.rule, CropRule::FacenetPytorch);
  EXPECT_EQ(infer::load_network(exported).meta.crop.detector, FaceDetector::Mtcnn);
  for (const auto& file : {ckpt, exported}) {
    const auto facts = tasks::check_file(file).facts;
    EXPECT_NE(std::find(facts.begin(), facts.end(),
                        std::pair<std::string, std::string>{"crop", "facenet_pytorch (margin 0), faces found by mtcnn"}),
              facts.end())
        << file;
  }
}

TEST(StateDictExport, SeedLayoutUsesTheSeedsNames) {
  auto model = test::random_model(Backbone::MobileNet, 16, 64);
  const auto path = test::temp_path("seed_state.pt");
  exporting::export_state_dict(*model, "seed", path);
  std::set<std::string> keys;
  for (const auto& [k, t] : exporting::read_state_dict(path)) keys.insert(k);
  EXPECT_TRUE(keys.count("backbone.model.stage1.0.0.weight"));
  EXPECT_TRUE(keys.count("backbone.model.stage3.1.4.running_mean"));
  EXPECT_TRUE(keys.count("Bottleneck.weight"));
  EXPECT_TRUE(keys.count("last_bn.num_batches_tracked"));
  EXPECT_FALSE(keys.count("last_linear.weight"));
}

TEST(StateDictExport, LayoutMustMatchTheBackbone) {
  auto mobilenet = test::random_model(Backbone::MobileNet, 16, 64);
  EXPECT_THROW(exporting::export_state_dict(*mobilenet, "facenet-pytorch", test::temp_path("x.pt")), ConfigError);
  EXPECT_THROW(exporting::export_state_dict(*mobilenet, "keras", test::temp_path("x.pt")), ConfigError);
}

TEST(StateDictImport, ReadsTheDictPythonsTorchSaveWrote) {
  // tests/export/data/make_fixture.py: a Sequential(Conv2d(3,4,3), BatchNorm2d(4), Linear(4,2))
  // state_dict, float values arange(numel) * 0.5, num_batches_tracked 7.
  const auto state = exporting::read_state_dict(kFixture);
  ASSERT_EQ(state.size(), 8u);
  const std::vector<std::string> names{"0.weight", "1.weight", "1.bias", "1.running_mean", "1.running_var",
                                       "1.num_batches_tracked", "2.weight", "2.bias"};
  for (size_t i = 0; i < names.size(); ++i) EXPECT_EQ(state[i].first, names[i]);
  const auto& conv = state[0].second;
  EXPECT_EQ(conv.sizes(), (std::vector<int64_t>{4, 3, 3, 3}));
  EXPECT_FLOAT_EQ(conv[1][0][0][0].item<float>(), 13.5f);  // element 27
  EXPECT_FLOAT_EQ(conv[3][2][2][2].item<float>(), 53.5f);  // element 107
  EXPECT_EQ(state[5].second.scalar_type(), torch::kLong);
  EXPECT_EQ(state[5].second.item<int64_t>(), 7);
  EXPECT_FLOAT_EQ(state[6].second[1][3].item<float>(), 3.5f);
}

TEST(StateDictImport, MismatchedDictListsUnknownAndMissingKeys) {
  try {
    tasks::run_import("facenet-pytorch", kFixture, test::temp_path("never.ckpt"));
    FAIL() << "expected an error";
  } catch (const Error& e) {
    // The fixture has no last_linear.weight, so it cannot be an InceptionResnetV1 dict.
    EXPECT_NE(std::string(e.what()).find("last_linear.weight"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(kFixture), std::string::npos) << e.what();
  }
  auto model = test::random_model(Backbone::InceptionResNetV1, 8, 96);
  auto state = exporting::read_state_dict(kFixture);
  state.emplace_back("logits.weight", torch::zeros({10, 8}));  // ignored, as in the published checkpoints
  try {
    exporting::load_port_state(*model, state, "fixture");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("unknown keys (8): 0.weight, 1.weight"), std::string::npos) << msg;
    EXPECT_NE(msg.find("missing keys ("), std::string::npos) << msg;
    EXPECT_NE(msg.find("block8.branch0.bn.bias"), std::string::npos) << msg;  // sorted, first 20 listed
    EXPECT_EQ(msg.find("logits.weight"), std::string::npos) << msg;
  }
}

TEST(StateDictImport, ShapeMismatchIsListed) {
  auto model = test::random_model(Backbone::InceptionResNetV1, 8, 96);
  auto state = exporting::layout_state(*model, "facenet-pytorch");
  for (auto& [k, t] : state)
    if (k == "block8.conv2d.bias") t = torch::zeros({5});
  try {
    exporting::load_port_state(*model, state, "edited");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("shape mismatches (1): block8.conv2d.bias (file [5], model [1792])"),
              std::string::npos)
        << e.what();
  }
}
