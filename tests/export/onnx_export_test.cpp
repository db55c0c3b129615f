// ONNX export: the checker accepts it, and OpenCV DNN reproduces LibTorch's embeddings.
#include <gtest/gtest.h>
#include <onnx/checker.h>
#include <onnx/onnx_pb.h>
#include <torch/torch.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <opencv2/dnn.hpp>

#include "support/export_test_util.h"
#include "facenet/core/error.h"
#include "facenet/core/fs.h"
#include "facenet/export/export.h"

using namespace facenet;
using facenet::test::max_abs_diff;

namespace {

infer::ExportMeta meta_for(models::FaceNet& model, int64_t size) {
  infer::ExportMeta meta;
  meta.backbone = model->backbone_kind();
  meta.embedding_size = model->embedding_size();
  meta.input_size = size;
  meta.preprocess.image_size = size;
  meta.threshold = 1.05;
  return meta;
}

torch::Tensor run_opencv(const std::string& path, const torch::Tensor& input) {
  auto net = cv::dnn::readNetFromONNX(path);
  auto in = input.contiguous();
  const int dims[4] = {int(in.size(0)), int(in.size(1)), int(in.size(2)), int(in.size(3))};
  net.setInput(cv::Mat(4, dims, CV_32F, in.data_ptr<float>()));
  cv::Mat out = net.forward();
  return torch::from_blob(out.ptr<float>(), {out.size[0], out.size[1]}, torch::kFloat).clone();
}

std::map<std::string, int> op_counts(const std::string& path) {
  onnx::ModelProto proto;
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(proto.ParseFromIstream(&in));
  std::map<std::string, int> counts;
  for (const auto& n : proto.graph().node()) ++counts[n.op_type()];
  return counts;
}

void expect_parity(Backbone backbone, int64_t size, bool fold, int expected_bn_nodes) {
  auto model = test::random_model(backbone, 64, size);
  auto meta = meta_for(model, size);
  ExportConfig config;
  config.fold_bn = fold;
  const auto path = test::temp_path(to_string(backbone) + (fold ? "_fold" : "_bn") + ".onnx");
  exporting::export_onnx(*model, meta, config, path);
  EXPECT_NO_THROW(onnx::checker::check_model(path));
  EXPECT_EQ(op_counts(path)["BatchNormalization"], expected_bn_nodes);

  PreprocessConfig pre;
  pre.image_size = size;
  const auto input = test::synth_batch(3, pre);
  torch::Tensor expected;
  {
    torch::NoGradGuard no_grad;
    expected = model->forward(input);
  }
  const auto got = run_opencv(path, input);
  ASSERT_EQ(got.sizes(), expected.sizes());
  EXPECT_LT(max_abs_diff(got, expected), 1e-4) << to_string(backbone) << " fold=" << fold;
  // Dynamic batch: one image through the same file.
  EXPECT_LT(max_abs_diff(run_opencv(path, input.slice(0, 1, 2)), expected.slice(0, 1, 2)), 1e-4);
  // Different identities really give different embeddings (the network is not degenerate).
  EXPECT_GT(max_abs_diff(expected[0], expected[1]), 1e-3);
}

}  // namespace

TEST(OnnxExport, MobileNetFoldedMatchesLibTorchInOpenCV) { expect_parity(Backbone::MobileNet, 160, true, 0); }

// 27 trunk BNs + last_bn stay as BatchNormalization nodes.
TEST(OnnxExport, MobileNetUnfoldedMatchesLibTorchInOpenCV) { expect_parity(Backbone::MobileNet, 160, false, 28); }

TEST(OnnxExport, InceptionResnetV1FoldedMatchesLibTorchInOpenCV) {
  expect_parity(Backbone::InceptionResNetV1, 112, true, 0);
}

// insightface's networks: PReLU and Flatten nodes; IResNet keeps each block's leading BN (it
// follows a residual sum) and bn2 as BatchNormalization nodes (8 blocks + 1), MobileFaceNet none.
TEST(OnnxExport, IResNet18MatchesLibTorchInOpenCV) { expect_parity(Backbone::IResNet18, 112, true, 9); }
TEST(OnnxExport, MobileFaceNetMatchesLibTorchInOpenCV) { expect_parity(Backbone::MobileFaceNet, 112, true, 0); }
TEST(OnnxExport, MobileFaceNetUnfoldedMatchesLibTorchInOpenCV) {
  // Every BN stays: the two ConvBlocks' 2, 3 in each of the 15 DepthWise blocks, conv_sep's 1,
  // the GDC's 2 (its 7x7 conv's BN and the BatchNorm1d).
  expect_parity(Backbone::MobileFaceNet, 112, false, 2 + 3 * 15 + 1 + 2);
}

TEST(OnnxExport, CarriesMetadataInsideAndInSidecar) {
  auto model = test::random_model(Backbone::MobileNet, 32, 96);
  auto meta = meta_for(model, 96);
  meta.preprocess.normalization = Normalization::Symmetric;
  meta.distance = Distance::Cosine;
  meta.source = "ckpt.pt";
  ExportConfig config;
  config.opset = 15;
  const auto path = test::temp_path("meta.onnx");
  exporting::export_onnx(*model, meta, config, path);

  onnx::ModelProto proto;
  std::ifstream in(path, std::ios::binary);
  ASSERT_TRUE(proto.ParseFromIstream(&in));
  EXPECT_EQ(proto.opset_import(0).version(), 15);
  ASSERT_EQ(proto.metadata_props_size(), 2);
  EXPECT_EQ(proto.metadata_props(0).key(), "facenet.meta");
  EXPECT_EQ(proto.metadata_props(1).key(), "facenet.digest");  // the content digest, last
  // Input and output batch dimensions are symbolic.
  EXPECT_EQ(proto.graph().input(0).type().tensor_type().shape().dim(0).dim_param(), "batch");
  EXPECT_EQ(proto.graph().input(0).type().tensor_type().shape().dim(2).dim_value(), 96);
  EXPECT_EQ(proto.graph().output(0).type().tensor_type().shape().dim(1).dim_value(), 32);
  for (const auto& text : {proto.metadata_props(0).value(), read_file(path + ".json")}) {
    const auto back = infer::meta_from_json(text, path);
    EXPECT_EQ(back.backbone, Backbone::MobileNet);
    EXPECT_EQ(back.embedding_size, 32);
    EXPECT_EQ(back.input_size, 96);
    EXPECT_EQ(back.preprocess.image_size, 96);
    EXPECT_EQ(back.preprocess.normalization, Normalization::Symmetric);
    EXPECT_EQ(back.distance, Distance::Cosine);
    EXPECT_DOUBLE_EQ(back.threshold, 1.05);
    EXPECT_EQ(back.source, "ckpt.pt");
  }
}

TEST(OnnxExport, RejectsAnOpsetOutOfRange) {
  auto model = test::random_model(Backbone::MobileNet, 16, 64);
  ExportConfig config;
  config.opset = 11;
  EXPECT_THROW(exporting::export_onnx(*model, meta_for(model, 64), config, test::temp_path("bad.onnx")), ConfigError);
}
