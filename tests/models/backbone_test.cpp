// Trunk architecture: output shapes, exact parameter counts and port-compatible names.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <malloc.h>

#include <set>

#include "facenet/core/precision.h"
#include "facenet/models/facenet.h"
#include "facenet/models/inception_resnet_v1.h"
#include "facenet/models/mobilenet_v1.h"

using namespace facenet::models;

namespace {

std::vector<int64_t> trunk_shape(BackboneImpl& trunk, int64_t size) {
  torch::NoGradGuard no_grad;
  trunk.eval();
  return trunk.forward(torch::randn({1, 3, size, size})).sizes().vec();
}

std::set<std::string> keys_of(const torch::nn::Module& m) {
  std::set<std::string> keys;
  for (const auto& p : m.named_parameters()) keys.insert(p.key());
  for (const auto& b : m.named_buffers()) keys.insert(b.key());
  return keys;
}

/// A BatchNorm layer's input as the stock layers would take it under autocast: fp32.
torch::Tensor fp32(const torch::Tensor& x) { return x.to(torch::kFloat); }

/// MobileNet's forward with the stock layers: nn::BatchNorm2d on an fp32 input (a cast autograd
/// records) and plain torch::hardtanh for every ReLU6 (what nn::ReLU6 runs).
torch::Tensor hardtanh_forward(MobileNetV1Impl& trunk, torch::Tensor x) {
  for (const auto& stage : {trunk.stage1, trunk.stage2, trunk.stage3})
    for (const auto& block : stage->children())
      for (const auto& layer : block->children()) {
        if (auto conv = layer->as<torch::nn::Conv2d>()) x = conv->forward(x);
        else if (auto bn = layer->as<torch::nn::BatchNorm2d>()) x = bn->forward(fp32(x));
        else if (layer->as<torch::nn::ReLU6>()) x = torch::hardtanh(x, 0, 6);
        else ADD_FAILURE() << "unexpected layer " << layer->name();
      }
  return x;
}

size_t heap_in_use() {
  const auto m = mallinfo2();
  return m.uordblks + m.hblkhd;  // small blocks + mmapped large ones
}

}  // namespace

TEST(MobileNetV1, Relu6KeepsOnlyItsOutputForBackward) {
  torch::manual_seed(0);
  MobileNetV1 trunk;
  trunk->train();
  const auto x = torch::randn({4, 3, 96, 96});
  auto run = [&](bool reference, double& held_mb) {
    trunk->zero_grad();
    const auto before = heap_in_use();
    const auto y = reference ? hardtanh_forward(*trunk, x) : trunk->forward(x);
    held_mb = (double(heap_in_use()) - double(before)) / 1e6;  // what autograd keeps for backward
    y.pow(2).sum().backward();
    std::vector<torch::Tensor> grads;
    for (const auto& p : trunk->parameters()) grads.push_back(p.grad().clone());
    return std::make_pair(y.detach(), grads);
  };
  double held = 0, held_reference = 0;
  const auto ours = run(false, held);
  const auto reference = run(true, held_reference);
  EXPECT_TRUE(torch::equal(ours.first, reference.first));
  ASSERT_EQ(ours.second.size(), reference.second.size());
  for (size_t i = 0; i < ours.second.size(); ++i) EXPECT_TRUE(torch::equal(ours.second[i], reference.second[i])) << i;
  // mallinfo2 sees glibc's heap only: under AddressSanitizer (scripts/sanitize.sh) it reads 0.
  if (held_reference <= 0) GTEST_SKIP() << "the allocator is not glibc's: activation memory not measurable";
  // Per layer: conv output + ReLU6 output instead of conv, BN and ReLU6 outputs.
  EXPECT_LT(held, 0.75 * held_reference) << held << " MB vs " << held_reference << " MB";
  EXPECT_GT(held, 0.55 * held_reference) << held << " MB vs " << held_reference << " MB";
}

/// Outputs, parameter gradients and buffers (running statistics, batch counts) of two runs.
struct TrainingRun {
  torch::Tensor output;
  std::vector<torch::Tensor> grads, buffers;
  double held_mb = 0;  ///< heap autograd keeps between the forward and the backward pass
};

template <typename Forward>
TrainingRun train_once(torch::nn::Module& net, Forward forward, const torch::Tensor& x) {
  TrainingRun run;
  torch::Tensor y;
  {
    facenet::AutocastScope autocast(facenet::Precision::BF16, c10::DeviceType::CPU);
    const auto before = heap_in_use();
    y = forward(x);
    run.held_mb = (double(heap_in_use()) - double(before)) / 1e6;
  }
  y.to(torch::kFloat).pow(2).sum().backward();
  run.output = y.detach();
  for (const auto& p : net.parameters()) run.grads.push_back(p.grad().clone());
  for (const auto& b : net.buffers()) run.buffers.push_back(b.clone());
  return run;
}

void expect_identical(const TrainingRun& a, const TrainingRun& b) {
  EXPECT_EQ(a.output.scalar_type(), b.output.scalar_type());
  EXPECT_TRUE(torch::equal(a.output, b.output));
  ASSERT_EQ(a.grads.size(), b.grads.size());
  for (size_t i = 0; i < a.grads.size(); ++i) EXPECT_TRUE(torch::equal(a.grads[i], b.grads[i])) << "grad " << i;
  ASSERT_EQ(a.buffers.size(), b.buffers.size());
  for (size_t i = 0; i < a.buffers.size(); ++i) EXPECT_TRUE(torch::equal(a.buffers[i], b.buffers[i])) << "buffer " << i;
}

// Under bf16 autocast the stock layers keep, per conv + BN + ReLU6: the convolution's bf16
// copy of its input (2 bytes an element), BN's fp32 copy of the conv output (4) and hardtanh's
// fp32 input (4). The lean ones keep the conv's copy, BN's bf16 input itself (2) and ReLU6's
// fp32 output (4): a fifth less. Same values, gradients and running statistics to the bit.
TEST(MobileNetV1, Bf16TrainingKeepsAFifthLessThanStockLayersWithIdenticalResults) {
  const auto x = torch::randn({4, 3, 96, 96});
  torch::manual_seed(0);
  MobileNetV1 lean;
  torch::manual_seed(0);
  MobileNetV1 stock;
  lean->train();
  stock->train();
  const auto ours = train_once(*lean, [&](const torch::Tensor& in) { return lean->forward(in); }, x);
  const auto reference = train_once(*stock, [&](const torch::Tensor& in) { return hardtanh_forward(*stock, in); }, x);
  EXPECT_EQ(ours.output.scalar_type(), torch::kFloat);
  expect_identical(ours, reference);
  if (reference.held_mb <= 0) GTEST_SKIP() << "the allocator is not glibc's: activation memory not measurable";
  // Both runs also hold autocast's bf16 copies of the convolution weights.
  double weights_mb = 0;
  for (const auto& p : lean->parameters())
    if (p.dim() == 4) weights_mb += 2.0 * double(p.numel()) / 1e6;
  const double ours_mb = ours.held_mb - weights_mb, reference_mb = reference.held_mb - weights_mb;
  EXPECT_LT(ours_mb, 0.88 * reference_mb) << ours_mb << " MB vs " << reference_mb << " MB of activations";
  EXPECT_GT(ours_mb, 0.72 * reference_mb) << ours_mb << " MB vs " << reference_mb << " MB of activations";
}

TEST(MobileNetV1, ParameterCountMatchesSeed) {
  MobileNetV1 net;
  EXPECT_EQ(count_parameters(*net), 3206976);
}

TEST(MobileNetV1, OutputShapes) {
  MobileNetV1 net;
  EXPECT_EQ(trunk_shape(*net, 160), (std::vector<int64_t>{1, 1024, 5, 5}));
  EXPECT_EQ(trunk_shape(*net, 112), (std::vector<int64_t>{1, 1024, 4, 4}));
  EXPECT_EQ(trunk_shape(*net, 96), (std::vector<int64_t>{1, 1024, 3, 3}));
}

TEST(MobileNetV1, SeedNamesAndBnSettings) {
  MobileNetV1 net(0.01);
  const auto keys = keys_of(*net);
  for (const char* k : {"stage1.0.0.weight", "stage1.0.1.running_var", "stage1.1.0.weight", "stage1.1.3.weight",
                        "stage1.1.4.bias", "stage2.5.3.weight", "stage3.1.4.running_mean"})
    EXPECT_TRUE(keys.count(k)) << k;
  // 1 conv_bn + 13 dw blocks: 1 + 2 * 13 convolutions, none with a bias.
  int convs = 0;
  for (const auto& p : net->named_parameters())
    if (p.value().dim() == 4) ++convs;
  EXPECT_EQ(convs, 27);
  EXPECT_FALSE(keys.count("stage1.0.0.bias"));
  auto bn = net->stage1->ptr(0)->children().at(1)->as<torch::nn::BatchNorm2d>();
  ASSERT_NE(bn, nullptr);
  EXPECT_DOUBLE_EQ(bn->options.eps(), 1e-5);
  EXPECT_DOUBLE_EQ(bn->options.momentum().value(), 0.01);
  // Depthwise: groups == channels.
  auto dw = net->stage1->ptr(1)->children().at(0)->as<torch::nn::Conv2d>();
  ASSERT_NE(dw, nullptr);
  EXPECT_EQ(dw->options.groups(), 32);
}

TEST(InceptionResnetV1, ParameterCountMatchesPort) {
  InceptionResnetV1 net;
  EXPECT_EQ(count_parameters(*net), 22564096);
}

TEST(InceptionResnetV1, OutputShapes) {
  InceptionResnetV1 net;
  EXPECT_EQ(trunk_shape(*net, 160), (std::vector<int64_t>{1, 1792, 3, 3}));
  EXPECT_EQ(trunk_shape(*net, 112), (std::vector<int64_t>{1, 1792, 2, 2}));
  EXPECT_EQ(trunk_shape(*net, 96), (std::vector<int64_t>{1, 1792, 1, 1}));
}

TEST(InceptionResnetV1, KeysEqualThePortStateDict) {
  FaceNet model(facenet::ModelConfig{facenet::Backbone::InceptionResNetV1, 512, 0.4, 0.1});
  std::set<std::string> port;
  for (const auto& k : keys_of(*model)) port.insert(to_port_key(k));
  // The port's state_dict without `logits` has 714 tensors (378 parameters + 3 buffers x 112 BNs).
  EXPECT_EQ(port.size(), 714u);
  EXPECT_EQ(model->named_parameters().size(), 378u);
  for (const char* k :
       {"conv2d_1a.conv.weight", "conv2d_1a.bn.num_batches_tracked", "conv2d_4b.bn.running_mean",
        "repeat_1.0.branch1.1.conv.weight", "repeat_1.4.conv2d.bias", "mixed_6a.branch0.conv.weight",
        "mixed_6a.branch1.2.bn.running_var", "repeat_2.9.branch1.2.conv.weight", "mixed_7a.branch2.2.bn.weight",
        "repeat_3.4.branch1.1.conv.weight", "block8.conv2d.bias", "last_linear.weight", "last_bn.running_var"})
    EXPECT_TRUE(port.count(k)) << k;
  EXPECT_FALSE(port.count("last_linear.bias"));
  // Shapes from the port's table.
  const auto params = model->named_parameters();
  EXPECT_EQ(params["backbone.repeat_1.0.conv2d.weight"].sizes().vec(), (std::vector<int64_t>{256, 96, 1, 1}));
  EXPECT_EQ(params["backbone.repeat_2.0.branch1.1.conv.weight"].sizes().vec(),
            (std::vector<int64_t>{128, 128, 1, 7}));
  EXPECT_EQ(params["backbone.block8.conv2d.weight"].sizes().vec(), (std::vector<int64_t>{1792, 384, 1, 1}));
  EXPECT_EQ(params["last_linear.weight"].sizes().vec(), (std::vector<int64_t>{512, 1792}));
}

// Inception-ResNet-v1's conv + BN + ReLU unit, lean BatchNorm against stock, under bf16 autocast.
TEST(InceptionResnetV1, Bf16TrainingUnitMatchesStockLayersToTheBit) {
  const auto x = torch::randn({4, 32, 20, 20});
  torch::manual_seed(0);
  BasicConv2d lean(32, 64, 3, 1, 1, 0.1);
  torch::manual_seed(0);
  BasicConv2d stock(32, 64, 3, 1, 1, 0.1);
  const auto ours = train_once(*lean, [&](const torch::Tensor& in) { return lean->forward(in); }, x);
  const auto reference = train_once(
      *stock, [&](const torch::Tensor& in) { return torch::relu(stock->bn(fp32(stock->conv(in)))); }, x);
  expect_identical(ours, reference);
}

TEST(InceptionResnetV1, BlockScalesAndFinalBlockWithoutRelu) {
  InceptionResnetV1 net(0.2);
  EXPECT_DOUBLE_EQ(net->repeat_1->ptr<Block35Impl>(0)->scale, 0.17);
  EXPECT_DOUBLE_EQ(net->repeat_2->ptr<Block17Impl>(9)->scale, 0.10);
  EXPECT_DOUBLE_EQ(net->repeat_3->ptr<Block8Impl>(4)->scale, 0.20);
  EXPECT_TRUE(net->repeat_3->ptr<Block8Impl>(4)->apply_relu);
  EXPECT_DOUBLE_EQ(net->block8->scale, 1.0);
  EXPECT_FALSE(net->block8->apply_relu);
  EXPECT_DOUBLE_EQ(net->conv2d_1a->bn->options.eps(), 1e-3);
  EXPECT_DOUBLE_EQ(net->conv2d_1a->bn->options.momentum().value(), 0.2);
  // Without the final ReLU the trunk output has negative values.
  torch::NoGradGuard no_grad;
  net->eval();
  EXPECT_LT(net->forward(torch::randn({1, 3, 96, 96})).min().item<float>(), 0.0f);
}

TEST(Backbones, StagesChainEqualsForward) {
  torch::manual_seed(0);
  std::vector<std::shared_ptr<BackboneImpl>> trunks{std::make_shared<MobileNetV1Impl>(),
                                                    std::make_shared<InceptionResnetV1Impl>()};
  torch::NoGradGuard no_grad;
  for (auto& trunk : trunks) {
    trunk->eval();
    auto x = torch::randn({1, 3, 96, 96});
    auto y = x;
    int64_t params = 0;
    for (const auto& s : trunk->stages()) {
      y = s.apply(y);
      params += count_parameters(*s.module);
    }
    EXPECT_TRUE(torch::allclose(y, trunk->forward(x)));
    EXPECT_EQ(params, count_parameters(*trunk));
  }
}
