// The int8 model file end to end: facenet quantize on a checkpoint and synthetic faces, the
// file through the network-format table, the Embedder and the CLI, and each bad input's one line.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>
#include <fstream>

#include <onnx/onnx_pb.h>

#include "facenet/data/image_io.h"
#include "facenet/infer/embedder.h"
#include "facenet/infer/int8_model.h"
#include "facenet/infer/network_format.h"
#include "facenet/tasks/quantize.h"
#include "support/cli_runner.h"
#include "support/error_of.h"
#include "support/export_test_util.h"

namespace facenet {
namespace {
namespace fs = std::filesystem;
using test::error_of;
using test::temp_path;

constexpr int64_t kSize = 96;

// A checkpoint (random MobileNet with real BN statistics) and a folder of 20 synthetic face
// crops plus one file that does not decode; built once for the suite.
struct Fixture {
  std::string checkpoint = temp_path("q_model.pt");
  std::string calib = temp_path("q_calib");
  std::string out = temp_path("q_model-int8.pt");
  std::string onnx = temp_path("q_model-int8.onnx");
  std::string report;
  Fixture() {
    auto model = test::random_model(Backbone::MobileNet, 64, kSize);
    test::write_checkpoint(checkpoint, model, kSize, 1.1);
    fs::create_directories(calib + "/a");
    for (int i = 0; i < 20; ++i) data::write_image(calib + "/a/face" + std::to_string(i) + ".png", test::synth_face(i, 3, 120));
    std::ofstream(calib + "/a/broken.jpg") << "not a jpeg";
    tasks::QuantizeOptions o;
    o.model = checkpoint;
    o.calibrate = calib;
    o.out = out;
    o.onnx = onnx;
    report = tasks::run_quantize(o);
  }
};

const Fixture& fixture() {
  static const Fixture f;
  return f;
}

TEST(Int8Model, QuantizeReportsLayersAndSkippedImages) {
  const auto& f = fixture();
  EXPECT_NE(f.report.find("int8: 26 of 28 convolution/linear layers (2 kept fp32: backbone.stage1.0.0, last_linear)"),
            std::string::npos)
      << f.report;
  EXPECT_NE(f.report.find("20 images from " + f.calib + " (1 skipped)"), std::string::npos) << f.report;
}

TEST(Int8Model, LoadsThroughTheFormatTableAndTracksFp32) {
  const auto& f = fixture();
  auto& table = infer::network_formats();
  EXPECT_EQ(table.format_of(f.out).name, "int8");
  const auto int8 = table.load(f.out, InferenceDtype::Auto);
  const auto fp32 = table.load(f.checkpoint, InferenceDtype::FP32);
  EXPECT_EQ(int8.format, "int8");
  EXPECT_TRUE(int8.digest_verified);
  EXPECT_EQ(int8.meta.embedding_size, 64);
  EXPECT_DOUBLE_EQ(int8.meta.threshold, 1.1);  // no pairs given: the fp32 threshold is kept
  PreprocessConfig pre;
  pre.image_size = kSize;
  std::vector<torch::Tensor> faces;
  for (int i = 0; i < 6; ++i) faces.push_back(data::preprocess_image(test::synth_face(50 + i, 4, 120), pre));
  const auto x = torch::stack(faces);
  const auto a = int8.forward(x), b = fp32.forward(x);
  ASSERT_EQ(a.sizes(), b.sizes());
  EXPECT_TRUE(torch::allclose(a.norm(2, 1), torch::ones({6}), 1e-4, 1e-4));
  EXPECT_TRUE(torch::equal(torch::mm(a, b.t()).argmax(1), torch::arange(6)));
  const auto inspection = table.inspect(table.format_of(f.out), f.out);
  std::string facts;
  for (const auto& [k, v] : inspection.facts) facts += k + ": " + v + "\n";
  EXPECT_NE(facts.find("int8 layers: 26 of 28"), std::string::npos) << facts;
  EXPECT_NE(facts.find("calibration: 20 images (1 skipped)"), std::string::npos) << facts;
}

TEST(Int8Model, EmbedderAndCliLoadIt) {
  const auto& f = fixture();
  Embedder embedder(f.out);
  const auto e = embedder.embed(test::synth_face(3, 3, 120));
  EXPECT_EQ(e.size(), 64u);
  const auto a = f.calib + "/a/face1.png", b = f.calib + "/a/face2.png";
  const auto verify = test::run_cli("verify --model " + f.out + " " + a + " " + b);
  EXPECT_EQ(verify.code, 0) << verify.output;
  const auto check = test::run_cli("check " + f.out);
  EXPECT_NE(check.output.find("kind: int8 model"), std::string::npos) << check.output;
  const auto embed = test::run_cli("embed --model " + f.out + " --out " + temp_path("q_emb.csv") + " " + a + " " + b);
  EXPECT_EQ(embed.code, 0) << embed.output;
}

TEST(Int8Model, RefusesToQuantizeAnInt8Model) {
  const auto& f = fixture();
  tasks::QuantizeOptions o;
  o.model = f.out;
  o.calibrate = f.calib;
  o.out = temp_path("q_twice.pt");
  EXPECT_EQ(error_of([&] { tasks::run_quantize(o); }),
            "'" + f.out + "' is already an int8 model: quantize its fp32 checkpoint");
}

TEST(Int8Model, RefusesTooFewOrNoCalibrationImages) {
  const auto& f = fixture();
  const auto few = temp_path("q_few"), none = temp_path("q_none");
  fs::create_directories(few);
  fs::create_directories(none);
  for (int i = 0; i < 3; ++i) fs::copy_file(f.calib + "/a/face" + std::to_string(i) + ".png", few + "/" + std::to_string(i) + ".png");
  std::ofstream(few + "/x.jpg") << "garbage";
  tasks::QuantizeOptions o;
  o.model = f.checkpoint;
  o.out = temp_path("q_bad.pt");
  o.calibrate = few;
  EXPECT_EQ(error_of([&] { tasks::run_quantize(o); }),
            "calibration folder '" + few + "' has 3 decodable images (1 skipped); quantize needs at least 16");
  o.calibrate = none;
  EXPECT_EQ(error_of([&] { tasks::run_quantize(o); }),
            "calibration folder '" + none + "' holds no images (jpg, png, ...)");
  o.calibrate = temp_path("q_missing");
  EXPECT_EQ(error_of([&] { tasks::run_quantize(o); }), "calibration folder '" + o.calibrate + "' is not a folder");
  EXPECT_FALSE(fs::exists(o.out));
}

TEST(Int8Model, BadOptionsAreConfigErrors) {
  const auto& f = fixture();
  tasks::QuantizeOptions o;
  o.model = f.checkpoint;
  o.calibrate = f.calib;
  o.out = temp_path("q_opt.pt");
  o.observer = "kl";
  EXPECT_THROW(tasks::run_quantize(o), ConfigError);
  o.observer = "minmax";
  o.keep_fp32 = std::vector<std::string>{"backbone.nope"};
  EXPECT_THROW(tasks::run_quantize(o), ConfigError);
}

TEST(Int8Model, FlippedByteIsRefused) {
  const auto& f = fixture();
  const auto damaged = temp_path("q_damaged.pt");
  fs::copy_file(f.out, damaged, fs::copy_options::overwrite_existing);
  {
    std::fstream io(damaged, std::ios::in | std::ios::out | std::ios::binary);
    io.seekg(static_cast<std::streamoff>(fs::file_size(damaged) / 2));
    char c = 0;
    io.read(&c, 1);
    io.seekp(static_cast<std::streamoff>(fs::file_size(damaged) / 2));
    c = static_cast<char>(c ^ 0x20);
    io.write(&c, 1);
  }
  const auto message = error_of([&] { infer::network_formats().load(damaged, InferenceDtype::FP32); });
  EXPECT_NE(message.find(damaged), std::string::npos) << message;
}

TEST(Int8Model, QdqOnnxHoldsInt8WeightsAndQuantizePairs) {
  const auto& f = fixture();
  std::ifstream in(f.onnx, std::ios::binary);
  onnx::ModelProto proto;
  ASSERT_TRUE(proto.ParseFromIstream(&in));
  EXPECT_EQ(proto.opset_import(0).version(), 13);
  int weight_dq = 0, act_q = 0, act_dq = 0, convs = 0;
  for (const auto& n : proto.graph().node()) {
    if (n.op_type() == "Conv") ++convs;
    if (n.op_type() == "QuantizeLinear") ++act_q;
    if (n.op_type() != "DequantizeLinear") continue;
    if (n.input(0).find(".weight.int8") != std::string::npos) ++weight_dq;
    else ++act_dq;
  }
  EXPECT_EQ(convs, 27);
  EXPECT_EQ(weight_dq, 26);  // one per int8 layer (the first conv and last_linear stay fp32)
  EXPECT_EQ(act_q, act_dq);
  EXPECT_GT(act_q, 20);
  // The int8 weights are LibTorch's: per channel, max |w| / 127.5, zero point 0.
  for (const auto& t : proto.graph().initializer()) {
    if (t.name() != "backbone.stage1.1.0.weight.int8") continue;
    EXPECT_EQ(t.data_type(), onnx::TensorProto::INT8);
    int lo = 0, hi = 0;
    for (char c : t.raw_data()) lo = std::min<int>(lo, static_cast<int8_t>(c)), hi = std::max<int>(hi, static_cast<int8_t>(c));
    EXPECT_GE(lo, -128);
    EXPECT_LE(hi, 127);
    EXPECT_GE(std::max(-lo, hi), 126);  // each channel's largest weight maps to about +-127
  }
  // OpenCV DNN 4.6 does not import per-channel DequantizeLinear on weights: a clean error, not a crash.
  const auto message = error_of([&] { infer::network_formats().load(f.onnx, InferenceDtype::FP32); });
  EXPECT_NE(message.find("DequantizeLinear"), std::string::npos) << message;
}

TEST(Int8Model, ExportRefusesAnInt8Model) {
  const auto r = test::run_cli("export --checkpoint " + fixture().out + " --format onnx --out " + temp_path("q_x.onnx"));
  EXPECT_NE(r.output.find("is an int8 model: export reads checkpoints"), std::string::npos) << r.output;
}

TEST(Int8Record, RoundTripsAndRejectsOtherRecords) {
  infer::Int8Record r;
  r.observer = "minmax";
  r.calibration_images = 20;
  r.skipped_images = 1;
  r.int8_ops = {"a", "b"};
  r.fp32_ops = {"c"};
  r.fp32_threshold = 1.25;
  const auto back = infer::int8_record_from_json(infer::int8_record_to_json(r), "x");
  EXPECT_EQ(back.int8_ops, r.int8_ops);
  EXPECT_EQ(back.fp32_ops, r.fp32_ops);
  EXPECT_EQ(back.calibration_images, 20);
  EXPECT_DOUBLE_EQ(back.fp32_threshold, 1.25);
  EXPECT_NE(error_of([] { infer::int8_record_from_json("{}", "m.pt (int8.json)"); }).find("m.pt (int8.json)"),
            std::string::npos);
  EXPECT_NE(error_of([] { infer::int8_record_from_json("[1,", "m.pt"); }).find("not a valid int8 record"),
            std::string::npos);
}

}  // namespace
}  // namespace facenet
