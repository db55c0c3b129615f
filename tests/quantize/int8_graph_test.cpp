// The int8 writer: LibTorch's quantized convolution and linear kernels against int8 arithmetic
// worked by hand, fp32 fallbacks, and whole backbones against their fp32 graph.
#include <gtest/gtest.h>

#include <algorithm>
#include <torch/torch.h>

#include "facenet/core/error.h"
#include "facenet/infer/int8_run.h"
#include "facenet/quantize/int8_graph.h"
#include "facenet/quantize/quantize.h"
#include "support/export_test_util.h"

namespace facenet::quantize {
namespace {
using models::Graph;
using models::Op;
using models::OpKind;

// One weighted op reading the input (value 0) into value 1.
Graph one_op(OpKind kind) {
  Graph g;
  Op op{kind};
  op.inputs = {0};
  op.output = 1;
  op.name = "layer";
  op.weight = torch::tensor({-1.0f, 0.5f});
  op.weight = kind == OpKind::Conv ? op.weight.reshape({1, 2, 1, 1}) : op.weight.reshape({1, 2});
  op.bias = torch::tensor({0.1f});
  g.ops.push_back(op);
  g.num_values = 2;
  g.output = 1;
  return g;
}

// Input scale 0.1 (x = [0.5, 0.3] -> q = [5, 3], exact). Weight scale 1/127.5: LibTorch
// multiplies by the float inverse scale (127.49999...), so -1 -> -127 and 0.5 -> 63.75 -> 64,
// i.e. w = [-0.996078, 0.501961]. y = -0.996078 * 0.5 + 0.501961 * 0.3 + 0.1 = -0.247451;
// output scale 0.002, zero point 200: q = round(-123.725) + 200 = 76 -> (76 - 200) * 0.002 =
// -0.248 (fp32 gives -0.250).
const std::vector<QParams> kParams{{0.1, 0}, {0.002, 200}};

TEST(Int8Graph, QuantizedConvolutionMatchesHandComputedInt8) {
  auto m = to_int8_module(one_op(OpKind::Conv), kParams, {});
  EXPECT_EQ(m.int8_ops, std::vector<std::string>{"layer"});
  const auto y = m.module.forward({torch::tensor({0.5f, 0.3f}).reshape({1, 2, 1, 1})}).toTensor();
  EXPECT_NEAR(y.item<double>(), -0.248, 1e-6) << m.source;
}

TEST(Int8Graph, QuantizedLinearMatchesHandComputedInt8) {
  auto m = to_int8_module(one_op(OpKind::Linear), kParams, {});
  const auto y = m.module.forward({torch::tensor({0.5f, 0.3f}).reshape({1, 2})}).toTensor();
  EXPECT_NEAR(y.item<double>(), -0.248, 1e-6) << m.source;
}

TEST(Int8Graph, LayerKeptInFp32ComputesInFp32) {
  auto m = to_int8_module(one_op(OpKind::Conv), kParams, {"layer"});
  EXPECT_TRUE(m.int8_ops.empty());
  EXPECT_EQ(m.fp32_ops, std::vector<std::string>{"layer"});
  const auto y = m.module.forward({torch::tensor({0.5f, 0.3f}).reshape({1, 2, 1, 1})}).toTensor();
  EXPECT_NEAR(y.item<double>(), -0.25, 1e-6);
}

TEST(Int8Graph, OpWithoutInt8FormRunsFp32AfterADequantize) {
  // conv (int8) -> Scale (no int8 form; not folded here) and Add(conv, scaled): both run in
  // fp32, fed by one dequantize of the conv's output.
  auto g = one_op(OpKind::Conv);
  Op scale{OpKind::Scale};
  scale.inputs = {1};
  scale.output = 2;
  scale.value = 2.0;
  scale.name = "scale";
  Op add{OpKind::Add};
  add.inputs = {1, 2};
  add.output = 3;
  add.name = "add";
  g.ops.push_back(scale);
  g.ops.push_back(add);
  g.num_values = 4;
  g.output = 3;
  auto m = to_int8_module(g, {{0.1, 0}, {0.002, 200}, {0.004, 200}, {0.006, 200}}, {});
  EXPECT_NE(m.source.find("v1 = q1.dequantize()"), std::string::npos) << m.source;
  EXPECT_NE(m.source.find("v2 = v1 * 2.0"), std::string::npos) << m.source;
  // The add's inputs are not both int8 (v2 is fp32), so it runs in fp32 too.
  EXPECT_NE(m.source.find("v3 = v1 + v2"), std::string::npos) << m.source;
  const auto y = m.module.forward({torch::tensor({0.5f, 0.3f}).reshape({1, 2, 1, 1})}).toTensor();
  EXPECT_NEAR(y.item<double>(), -0.248 * 3, 1e-6);  // v1 + 2 * v1
}

// A BatchNorm after no convolution (IResNet's block input) stays int8: the convolution's -0.248
// above, then (x - 0.1) / sqrt(0.25 + 1e-5) * 2 + 0.5 = -0.891966; at scale 0.01, zero point
// 128: round(-89.1966) + 128 = 39 -> -0.89.
TEST(Int8Graph, BatchNormAfterAnInt8ValueRunsInt8) {
  auto g = one_op(OpKind::Conv);
  Op bn{OpKind::BatchNorm};
  bn.inputs = {1};
  bn.output = 2;
  bn.name = "bn";
  bn.weight = torch::tensor({2.0f});
  bn.bias = torch::tensor({0.5f});
  bn.running_mean = torch::tensor({0.1f});
  bn.running_var = torch::tensor({0.25f});
  bn.value = 1e-5;
  g.ops.push_back(bn);
  g.num_values = 3;
  g.output = 2;
  auto m = to_int8_module(g, {{0.1, 0}, {0.002, 200}, {0.01, 128}}, {});
  EXPECT_NE(m.source.find("q2 = ops.quantized.batch_norm(q1, "), std::string::npos) << m.source;
  const auto y = m.module.forward({torch::tensor({0.5f, 0.3f}).reshape({1, 2, 1, 1})}).toTensor();
  EXPECT_NEAR(y.item<double>(), -0.89, 1e-6) << m.source;
}

TEST(Int8Graph, FoldsTheResidualScaleIntoItsConvolution) {
  auto g = one_op(OpKind::Conv);
  Op scale{OpKind::Scale};
  scale.inputs = {1};
  scale.output = 2;
  scale.value = 0.5;
  g.ops.push_back(scale);
  g.num_values = 3;
  g.output = 2;
  EXPECT_EQ(fold_scales(g), 1);
  ASSERT_EQ(g.ops.size(), 1u);
  EXPECT_EQ(g.ops[0].output, 2);
  EXPECT_TRUE(torch::allclose(g.ops[0].weight.flatten(), torch::tensor({-0.5f, 0.25f})));
  EXPECT_NEAR(g.ops[0].bias.item<double>(), 0.05, 1e-7);
}

TEST(Int8Graph, UnknownKeepFp32NameIsAConfigError) {
  const auto g = one_op(OpKind::Conv);
  try {
    check_op_names(g, {"layer", "nope"}, "--keep-fp32");
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("--keep-fp32: no convolution or linear layer named 'nope'"),
              std::string::npos)
        << e.what();
  }
}

// A whole backbone: calibrated on synthetic faces, compared on other faces.
// A random network has none of a trained one's robustness (a trained MobileNet on LFW faces
// keeps a cosine of 0.999, README), so the bar here is that each int8 embedding stays nearest
// to its own face's fp32 embedding, and the smallest cosine is returned for a loose bound.
double backbone_cosine(Backbone backbone, std::vector<std::string>* int8_ops = nullptr, int64_t image_size = 96) {
  auto model = test::random_model(backbone, 64, image_size);
  PreprocessConfig pre;
  pre.image_size = image_size;
  std::vector<torch::Tensor> calib, held;
  for (int i = 0; i < 24; ++i) calib.push_back(data::preprocess_image(test::synth_face(i, 1), pre));
  for (int i = 0; i < 8; ++i) held.push_back(data::preprocess_image(test::synth_face(100 + i, 2), pre));
  const auto graph = int8_ready_graph(*model);
  const auto fp32_ops = default_fp32_ops(graph);
  const auto q = quantize_graph(graph, torch::stack(calib), ObserverKind::Histogram,
                                {fp32_ops.begin(), fp32_ops.end()}, 8);
  if (int8_ops) *int8_ops = q.int8_ops;
  torch::NoGradGuard no_grad;
  const auto images = torch::stack(held);
  const auto ref = model->forward(images);
  const auto out = infer::int8_inference_fn(q.module)(images);
  const auto nearest = torch::mm(out, ref.t()).argmax(1);
  EXPECT_TRUE(torch::equal(nearest, torch::arange(images.size(0)))) << nearest;
  return row_cosines(ref, out).min().item<double>();
}

TEST(Int8Graph, MobileNetStaysCloseToFp32) {
  std::vector<std::string> ops;
  EXPECT_GT(backbone_cosine(Backbone::MobileNet, &ops), 0.8);
  EXPECT_EQ(ops.size(), 26u);  // 27 convolutions and last_linear, less the first conv and the head
}

TEST(Int8Graph, InceptionResNetStaysCloseToFp32) {
  std::vector<std::string> ops;
  EXPECT_GT(backbone_cosine(Backbone::InceptionResNetV1, &ops), 0.9);
  EXPECT_GT(ops.size(), 100u);
}

// insightface's networks (112 px): PReLU has no int8 kernel in LibTorch, so it runs in fp32
// between a dequantize and a quantize; the convolutions and the head's linear layers are int8.
TEST(Int8Graph, MobileFaceNetStaysCloseToFp32) {
  std::vector<std::string> ops;
  EXPECT_GT(backbone_cosine(Backbone::MobileFaceNet, &ops, 112), 0.8);  // 0.918 when written
  // Its 49 convolutions and the head's linear layer, less the first conv and that layer.
  EXPECT_EQ(ops.size(), 48u);
  EXPECT_EQ(std::count(ops.begin(), ops.end(), "backbone.layers.1.layers.0"), 1);  // the depthwise conv after conv1
  EXPECT_EQ(std::count(ops.begin(), ops.end(), "backbone.layers.0.layers.0"), 0);
}

TEST(Int8Graph, IResNet18StaysCloseToFp32) {
  std::vector<std::string> ops;
  EXPECT_GT(backbone_cosine(Backbone::IResNet18, &ops, 112), 0.9);  // 0.985 when written
  // 2 x 2 x 4 block convolutions and 4 downsamples; conv1 and fc stay fp32.
  EXPECT_EQ(ops.size(), 20u);
  EXPECT_EQ(std::count(ops.begin(), ops.end(), "backbone.conv1"), 0);
  EXPECT_EQ(std::count(ops.begin(), ops.end(), "backbone.fc"), 0);
}

}  // namespace
}  // namespace facenet::quantize

