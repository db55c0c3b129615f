// Foreign ONNX face models (no facenet metadata): the stated preprocessing (flags, sidecar), the
// model's input checked, raw features L2-normalised. Fixtures: ONNX graphs built with the
// onnx protobuf API (support/foreign_onnx.h: Flatten + Gemm, the expected embedding computed by hand)
// and one of our exports stripped of its metadata.
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>
#include <torch/torch.h>

#include <cmath>
#include <fstream>
#include <opencv2/core.hpp>
#include <random>

#include "facenet/core/config_yaml.h"
#include "facenet/infer/embedder.h"
#include "facenet/infer/foreign.h"
#include "facenet/infer/network_loader.h"
#include "facenet/tasks/check.h"
#include "facenet/tasks/exporter.h"
#include "support/error_of.h"
#include "support/export_test_util.h"
#include "support/foreign_onnx.h"

using namespace facenet;
using facenet::test::error_of;

namespace {

using namespace facenet::test::foreign;

infer::PreprocessStatement insightface_like() {
  infer::PreprocessStatement s;
  s.mean = {120, 110, 100};
  s.std_dev = {60, 50, 40};
  s.channel_order = ChannelOrder::RGB;
  s.crop = CropRule::None;
  return s;
}

void expect_near(const std::vector<float>& got, const std::vector<double>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-5) << "value " << i;
}

void write(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

}  // namespace

TEST(ForeignOnnx, EmbedsAsStatedPerChannelAndNormalises) {
  const auto path = gemm_model("fixed.onnx", {1, 3, kSide, kSide});
  const auto stated = insightface_like();
  const Embedder embedder(path, InferenceDtype::FP32, stated);
  EXPECT_EQ(embedder.embedding_size(), kDim);
  EXPECT_EQ(embedder.meta().input_size, kSide);  // the model's fixed size: --input-size not needed
  EXPECT_NE(embedder.meta().foreign.find("by flags"), std::string::npos) << embedder.meta().foreign;
  EXPECT_EQ(embedder.meta().architecture(), "foreign");
  for (int i = 0; i < 3; ++i) expect_near(embedder.embed(image(i)), expected(image(i), ChannelOrder::RGB, stated.mean, stated.std_dev));
  // A batch through a model whose graph fixes the batch at 1: run image by image.
  const auto batch = embedder.embed(std::vector<cv::Mat>{image(0), image(1), image(2)});
  for (int i = 0; i < 3; ++i) expect_near(batch[static_cast<size_t>(i)], expected(image(i), ChannelOrder::RGB, stated.mean, stated.std_dev));
}

TEST(ForeignOnnx, DynamicBatchAndSizeWithBgrAndOneValue) {
  const auto path = gemm_model("dynamic.onnx", {-1, 3, kSide, kSide});
  auto stated = insightface_like();
  stated.mean = {127.5};
  stated.std_dev = {127.5};
  stated.channel_order = ChannelOrder::BGR;
  const Embedder embedder(path, InferenceDtype::FP32, stated);
  const auto batch = embedder.embed(std::vector<cv::Mat>{image(3), image(4)});
  for (int i = 0; i < 2; ++i) expect_near(batch[static_cast<size_t>(i)], expected(image(3 + i), ChannelOrder::BGR, {127.5}, {127.5}));

  // H and W dynamic too: the size must be stated, and then it is used.
  const auto any_size = gemm_model("any_size.onnx", {-1, 3, -1, -1});
  EXPECT_NE(error_of([&] { infer::load_network(any_size, InferenceDtype::FP32, stated); })
                .find("lacks --input-size"),
            std::string::npos);
  stated.input_size = kSide;
  expect_near(Embedder(any_size, InferenceDtype::FP32, stated).embed(image(5)),
              expected(image(5), ChannelOrder::BGR, {127.5}, {127.5}));
}

TEST(ForeignOnnx, WithoutAStatementTheErrorNamesWhatIsMissing) {
  const auto fixed = gemm_model("w600k_r50.onnx", {1, 3, kSide, kSide});
  EXPECT_EQ(error_of([&] { infer::load_network(fixed); }),
            "'" + fixed + "' has no facenet metadata: state its preprocessing with --input-mean, --input-std, "
            "--channel-order and --crop, or a sidecar '" + fixed + ".preprocess.json' (README: Running foreign ONNX face models)");
  const auto dynamic = gemm_model("dyn_size.onnx", {-1, 3, -1, -1});
  EXPECT_NE(error_of([&] { infer::load_network(dynamic); }).find("with --input-size, --input-mean"), std::string::npos);
  // Partly stated: only what is still missing.
  infer::PreprocessStatement partial;
  partial.mean = {127.5};
  partial.std_dev = {127.5};
  partial.channel_order = ChannelOrder::RGB;
  EXPECT_EQ(error_of([&] { infer::load_network(fixed, InferenceDtype::FP32, partial); }),
            "'" + fixed + "' has no facenet metadata and its stated preprocessing lacks --crop");
}

TEST(ForeignOnnx, AnInputThatIsNotASquareThreeChannelImageIsRefusedNamingItsShape) {
  const auto stated = insightface_like();
  for (const auto& [name, dims, text] :
       std::vector<std::tuple<std::string, std::vector<int64_t>, std::string>>{
           {"gray.onnx", {1, 1, kSide, kSide}, "1x1x8x8"},
           {"wide.onnx", {1, 3, kSide, 6}, "1x3x8x6"},
           {"nhwc.onnx", {1, kSide, kSide, 3}, "1x8x8x3"},
           {"rank3.onnx", {3, kSide, kSide}, "3x8x8"}}) {
    const auto path = gemm_model(name, dims);
    for (const auto& message : {error_of([&] { infer::load_network(path, InferenceDtype::FP32, stated); }),
                                error_of([&] { infer::load_network(path); })})
      EXPECT_EQ(message, "'" + path + "': input 'input.1' is " + text +
                             ", not a 3-channel square image batch (N x 3 x S x S)");
  }
}

TEST(ForeignOnnx, SidecarNextToTheModelIsReadAndFlagsWinOverIt) {
  const auto path = gemm_model("sface.onnx", {1, 3, kSide, kSide});
  write(path + ".preprocess.yaml", "# SFace-like\ninput_size: 8\nmean: 0\nstd: 1\nchannel_order: rgb\ncrop: none\n"
                                   "distance: l2\nthreshold: 1.128\n");
  const Embedder embedder(path);
  expect_near(embedder.embed(image(6)), expected(image(6), ChannelOrder::RGB, {0}, {1}));
  EXPECT_DOUBLE_EQ(embedder.threshold(), 1.128);
  EXPECT_NE(embedder.meta().foreign.find(path + ".preprocess.yaml"), std::string::npos);
  infer::PreprocessStatement flags;
  flags.channel_order = ChannelOrder::BGR;
  expect_near(Embedder(path, InferenceDtype::FP32, flags).embed(image(6)), expected(image(6), ChannelOrder::BGR, {0}, {1}));
  // check describes it with the sidecar, and says there is no digest to verify.
  const auto checked = tasks::check_file(path);
  EXPECT_TRUE(checked.intact) << checked.problem;
  EXPECT_NE(tasks::format_check(path, checked).find("backbone: foreign"), std::string::npos);
  EXPECT_EQ(checked.kind, "onnx model (not a facenet export)");
}

TEST(ForeignOnnx, ASidecarSizeThatDisagreesWithTheModelIsRefusedNamingBoth) {
  const auto path = gemm_model("r50.onnx", {1, 3, kSide, kSide});
  infer::PreprocessStatement s = insightface_like();
  s.file = test::temp_path("r50.json");
  write(s.file, R"({"input_size": 112, "mean": 127.5, "std": 127.5, "channel_order": "rgb", "crop": "5point"})");
  s.mean.clear();
  s.std_dev.clear();
  s.channel_order.reset();
  s.crop.reset();
  EXPECT_EQ(error_of([&] { infer::load_network(path, InferenceDtype::FP32, s); }),
            "'" + path + "': the stated input_size 112 (sidecar '" + s.file + "') disagrees with the model's input size 8");
  s.input_size = 16;
  EXPECT_EQ(error_of([&] { infer::load_network(path, InferenceDtype::FP32, s); }),
            "'" + path + "': the stated input_size 16 (--input-size) disagrees with the model's input size 8");
}

TEST(ForeignOnnx, SidecarParseErrorsNameTheFileAndKey) {
  auto err = [](const std::string& text) {
    return error_of([&] { infer::parse_preprocess_statement(text, "m.onnx.preprocess.json"); });
  };
  EXPECT_EQ(err(R"({"input_size": 112, "colour": "rgb"})"),
            "'m.onnx.preprocess.json': unknown key 'colour' (known: input_size, mean, std, channel_order, crop, margin, "
            "detector, resize, distance, threshold)");
  EXPECT_EQ(err(R"({"channel_order": "rbg"})"),
            "'m.onnx.preprocess.json': channel_order: unknown value 'rbg' (expected rgb, bgr)");
  EXPECT_EQ(err(R"({"mean": [1, 2]})"), "'m.onnx.preprocess.json': mean: expected 1 or 3 values (got 2)");
  EXPECT_EQ(err(R"({"std": [1, 0, 1]})"), "'m.onnx.preprocess.json': std: must be > 0");
  EXPECT_EQ(err(R"({"input_size": "big"})"), "'m.onnx.preprocess.json': input_size: expected an integer (got 'big')");
  EXPECT_EQ(err(R"({"input_size": 100000})"), "'m.onnx.preprocess.json': input_size: must be in [1, 4096] (got 100000)");
  EXPECT_NE(err("[1, 2]").find("expected a map of preprocessing keys"), std::string::npos);
  EXPECT_NE(err("{\"mean\": [1,").find("'m.onnx.preprocess.json': not YAML or JSON (line 1"), std::string::npos);
  // The shipped examples parse.
  for (const char* file : {"configs/foreign/insightface_arcface.json", "configs/foreign/sface.json"}) {
    std::ifstream in(std::string(FACENET_SOURCE_DIR) + "/" + file);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto s = infer::parse_preprocess_statement(text, file);
    EXPECT_EQ(s.input_size.value_or(0), 112) << file;
    EXPECT_EQ(s.crop.value_or(CropRule::None), CropRule::FivePoint) << file;
  }
}

TEST(ForeignOnnx, OurExportStrippedOfItsMetadataGivesTheSameEmbeddings) {
  auto model = test::random_model(Backbone::MobileNet, 16, 64);
  const auto ckpt = test::temp_path("strip.ckpt");
  test::write_checkpoint(ckpt, model, 64, 0.9);
  const auto exported = test::temp_path("strip_export.onnx");
  ExportConfig c;
  c.format = "onnx";
  tasks::run_export(ckpt, c, exported);
  onnx::ModelProto proto;
  {
    std::ifstream in(exported, std::ios::binary);
    ASSERT_TRUE(proto.ParseFromIstream(&in));
  }
  proto.clear_metadata_props();  // facenet.meta and facenet.digest
  const auto foreign = test::temp_path("strip_foreign.onnx");
  {
    std::ofstream out(foreign, std::ios::binary);
    proto.SerializeToOstream(&out);
  }
  infer::PreprocessStatement s;  // our default: (x - 127.5) / 128, RGB
  s.input_size = 64;
  s.mean = {127.5};
  s.std_dev = {128};
  s.channel_order = ChannelOrder::RGB;
  s.crop = CropRule::None;
  const Embedder ours(exported), theirs(foreign, InferenceDtype::FP32, s);
  for (int i = 0; i < 3; ++i) {
    const auto face = test::synth_face(i, 0, 64);
    const auto a = ours.embed(face), b = theirs.embed(face);
    ASSERT_EQ(a.size(), b.size());
    for (size_t k = 0; k < a.size(); ++k) EXPECT_NEAR(a[k], b[k], 1e-5);
  }
  // A statement for a model of facenet's own is refused: its preprocessing is in it.
  EXPECT_NE(error_of([&] { infer::load_network(exported, InferenceDtype::FP32, s); }).find("is a facenet export"),
            std::string::npos);
  EXPECT_NE(error_of([&] { infer::load_network(ckpt, InferenceDtype::FP32, s); })
                .find("which carries its own preprocessing: --input-size"),
            std::string::npos);
}

TEST(ForeignOnnx, ConfigMeanAndStdAreCheckedOnce) {
  EXPECT_NE(error_of([] { load_config_text("data:\n  preprocess:\n    std: [1, 2, 3]\n", "c.yaml"); })
                .find("data.preprocess.std is set without mean"),
            std::string::npos);
  const auto c = load_config_text("data:\n  preprocess:\n    mean: 127.5\n    std: [1, 2, 3]\n", "c.yaml");
  EXPECT_EQ(c.data.preprocess.mean, std::vector<double>{127.5});
  EXPECT_EQ(c.data.preprocess.std_dev, (std::vector<double>{1, 2, 3}));
}
