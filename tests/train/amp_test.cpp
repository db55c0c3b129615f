// Mixed precision: a bf16 step against fp32 on the same batch, and fp16's dynamic loss scaling
// against hand-computed values.
#include <ATen/autocast_mode.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

#include "facenet/core/precision.h"
#include "facenet/losses/facenet_loss.h"
#include "facenet/models/facenet.h"
#include "facenet/train/grad_scaler.h"

using namespace facenet;

namespace {

struct StepResult {
  double loss = 0;
  std::vector<torch::Tensor> grads;  ///< per network parameter, fp32
};

/// One softmax step of a fresh network (seeded, so both precisions start equal) on a
/// fixed batch: forward under `precision`'s autocast, loss in fp32 outside it, backward.
StepResult one_step(Backbone backbone, int64_t size, Precision precision) {
  torch::manual_seed(7);
  ModelConfig mc;
  mc.backbone = backbone;
  mc.embedding_size = 32;
  mc.dropout_keep = 1.0;  // no random mask, so both runs see the same network
  auto model = models::make_model(mc);
  model->use_channels_last(true);
  LossConfig lc;
  // Softmax only: batch-hard mining would pick triplets discontinuously, so a rounding could
  // swap a negative and compare two different losses.
  lc.triplet_weight = 0;
  losses::FaceNetLoss loss(lc, 4, 32);
  const auto images = torch::randn({8, 3, size, size});
  const auto labels = torch::tensor({0, 0, 1, 1, 2, 2, 3, 3});
  models::FaceNetOutput out;
  {
    AutocastScope autocast(precision, c10::DeviceType::CPU);
    out = model->forward_train(images);
  }
  EXPECT_EQ(out.prelogits.scalar_type(), torch::kFloat);  // the head hands back fp32
  EXPECT_EQ(out.embeddings.scalar_type(), torch::kFloat);
  auto l = loss->compute(out.prelogits, out.embeddings, labels);
  l.total.backward();
  StepResult r;
  r.loss = l.total.item<double>();
  for (const auto& p : model->parameters()) {
    EXPECT_TRUE(p.grad().defined());
    EXPECT_EQ(p.grad().scalar_type(), torch::kFloat);  // master weights and their gradients stay fp32
    r.grads.push_back(p.grad().flatten().clone());
  }
  return r;
}

double cosine(const torch::Tensor& a, const torch::Tensor& b) {
  return (a * b).sum().item<double>() / (a.norm().item<double>() * b.norm().item<double>());
}

void expect_bf16_step_close_to_fp32(Backbone backbone, int64_t size) {
  const auto a = one_step(backbone, size, Precision::FP32);
  const auto b = one_step(backbone, size, Precision::BF16);
  // The whole step on a *fresh* network: loss within 3% (MobileNet) and 0.5%
  // (Inception-ResNet-v1), whole-gradient cosine to fp32 0.36 and 0.86. That is the fresh
  // network's sensitivity, not bf16 arithmetic going wrong: PyTorch 1.13's own autocast on the
  // same MobileNet gives 0.31, and fp32 with one 2^-9 relative perturbation after the first
  // block already gives 0.66 (bf16 rounds after every layer). Every stage on its own is within
  // bf16's rounding of fp32 (Amp.EveryStageIsWithinBf16RoundingOfFp32). Pinned here: the loss
  // within 5% and the gradient pointing the same way, so a regression shows.
  EXPECT_NEAR(b.loss, a.loss, 0.05 * std::abs(a.loss));
  const auto ga = torch::cat(a.grads), gb = torch::cat(b.grads);
  const double c = cosine(ga, gb);
  EXPECT_GT(c, 0.25);
  std::cout << to_string(backbone) << ": loss fp32 " << a.loss << " bf16 " << b.loss << ", gradient cosine " << c << "\n";
}

/// Each stage of a fresh backbone in training mode, fed the fp32 activations of the stage
/// before it, forward and backward under bf16 autocast against fp32: its output, the gradient
/// it passes down and its parameters' gradients. bf16 rounds inputs, weights and outputs to 8
/// significant bits (relative error up to 2^-9 each): measured, every stage's output is within
/// 0.5% (MobileNet) / 0.7% (Inception-ResNet-v1) of fp32. Gradients agree less closely because
/// training-mode BatchNorm's backward removes each channel's mean, so the sums behind weight and
/// bias gradients cancel and magnify the rounding: worst stage cosine 0.997 / 0.99. A wrong
/// kernel, mask or cast shows far below the bounds.
void expect_every_stage_within_bf16_rounding(Backbone backbone, int64_t size) {
  torch::manual_seed(3);
  ModelConfig mc;
  mc.backbone = backbone;
  mc.embedding_size = 32;
  auto model = models::make_model(mc);
  model->use_channels_last(true);
  model->train();
  auto x = torch::randn({8, 3, size, size}).contiguous(torch::MemoryFormat::ChannelsLast);
  double worst_out = 0, worst_grad = 1;
  for (auto& stage : model->backbone().stages()) {
    auto params = stage.module->parameters();
    auto run = [&](Precision precision, const torch::Tensor& upstream) {
      for (auto& p : params) p.mutable_grad() = torch::Tensor();
      auto in = x.detach().clone().requires_grad_(true);
      torch::Tensor y;
      {
        AutocastScope autocast(precision, c10::DeviceType::CPU);
        y = stage.apply(in);
      }
      y = y.to(torch::kFloat);
      if (!upstream.defined()) return std::make_pair(y.detach(), torch::Tensor());
      y.backward(upstream);
      std::vector<torch::Tensor> grads{in.grad().flatten()};
      for (auto& p : params) grads.push_back(p.grad().flatten());
      return std::make_pair(y.detach(), torch::cat(grads));
    };
    const auto [y32, _] = run(Precision::FP32, torch::Tensor());
    const auto upstream = torch::randn_like(y32);
    const auto [fp32_out, fp32_grads] = run(Precision::FP32, upstream);
    const auto [bf16_out, bf16_grads] = run(Precision::BF16, upstream);
    const double out_error = ((bf16_out - fp32_out).norm() / fp32_out.norm()).item<double>();
    const double grad_cosine = cosine(fp32_grads, bf16_grads);
    EXPECT_LT(out_error, 0.02) << stage.name;
    EXPECT_GT(grad_cosine, 0.98) << stage.name;
    worst_out = std::max(worst_out, out_error);
    worst_grad = std::min(worst_grad, grad_cosine);
    x = fp32_out;
  }
  std::cout << to_string(backbone) << ": worst stage output error " << worst_out << ", worst gradient cosine "
            << worst_grad << "\n";
}

}  // namespace

TEST(Amp, Bf16StepMatchesFp32OnTheSameBatch) {
  if (!cpu_features().native_bf16()) GTEST_SKIP() << "this CPU has no native bf16";
  expect_bf16_step_close_to_fp32(Backbone::MobileNet, 64);  // ReLU6's bf16 backward included
  expect_bf16_step_close_to_fp32(Backbone::InceptionResNetV1, 96);
}

TEST(Amp, EveryStageIsWithinBf16RoundingOfFp32) {
  if (!cpu_features().native_bf16()) GTEST_SKIP() << "this CPU has no native bf16";
  expect_every_stage_within_bf16_rounding(Backbone::MobileNet, 64);
  expect_every_stage_within_bf16_rounding(Backbone::InceptionResNetV1, 96);
}

TEST(Amp, AutocastScopeRestoresTheStateAndFp32DoesNothing) {
  EXPECT_FALSE(at::autocast::is_cpu_enabled());
  {
    AutocastScope none(Precision::FP32, c10::DeviceType::CPU);
    EXPECT_FALSE(at::autocast::is_cpu_enabled());
  }
  {
    AutocastScope bf16(Precision::BF16, c10::DeviceType::CPU);
    EXPECT_TRUE(at::autocast::is_cpu_enabled());
    EXPECT_EQ(at::autocast::get_autocast_cpu_dtype(), at::kBFloat16);
    const auto y = torch::mm(torch::ones({2, 2}), torch::ones({2, 2}));
    EXPECT_EQ(y.scalar_type(), torch::kBFloat16);
  }
  EXPECT_FALSE(at::autocast::is_cpu_enabled());
}

TEST(GradScaler, ScalesUnscalesSkipsAndAdaptsAsPyTorchDoes) {
  train::GradScaler scaler(true, {1024.0, 0}, {2.0, 0.5, 3});
  auto w = torch::ones({2}, torch::requires_grad());
  scaler.scale((w * torch::tensor({1.5f, -2.0f})).sum()).backward();
  EXPECT_TRUE(torch::equal(w.grad(), torch::tensor({1536.0f, -2048.0f})));  // scaled by 1024
  EXPECT_FALSE(scaler.unscale({w}));
  EXPECT_TRUE(torch::equal(w.grad(), torch::tensor({1.5f, -2.0f})));
  // Two clean steps: no growth yet; the third reaches growth_interval 3 and doubles.
  scaler.update(false);
  scaler.update(false);
  EXPECT_EQ(scaler.state().scale, 1024.0);
  EXPECT_EQ(scaler.state().growth_tracker, 2);
  scaler.update(false);
  EXPECT_EQ(scaler.state().scale, 2048.0);
  EXPECT_EQ(scaler.state().growth_tracker, 0);
  // An overflow: found, and the scale backs off to half with the tracker reset.
  w.mutable_grad() = torch::tensor({INFINITY, 1.0f});
  EXPECT_TRUE(scaler.unscale({w}));
  scaler.update(false);
  w.mutable_grad() = torch::tensor({NAN, 1.0f});
  EXPECT_TRUE(scaler.unscale({w}));
  scaler.update(true);
  EXPECT_EQ(scaler.state().scale, 1024.0);
  EXPECT_EQ(scaler.state().growth_tracker, 0);
  // Disabled (fp32, bf16): the loss and the gradients pass untouched.
  train::GradScaler off(false);
  const auto loss = torch::tensor(3.0f);
  EXPECT_TRUE(torch::equal(off.scale(loss), loss));
  w.mutable_grad() = torch::tensor({INFINITY, 1.0f});
  EXPECT_FALSE(off.unscale({w}));
}
