// ArcFace / CosFace / softmax heads against hand-computed logits.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

#include "facenet/core/error.h"
#include "facenet/losses/head_registry.h"
#include "facenet/losses/margin_heads.h"

using namespace facenet::losses;

namespace {
const auto kD = torch::kDouble;
}

TEST(MarginLogits, ArcFaceHandComputed) {
  auto cos = torch::tensor({{0.8, 0.1}, {-0.95, 0.3}}, kD);
  auto labels = torch::tensor({0, 0}, torch::kLong);
  auto logits = arcface_logits(cos, labels, 2.0, 0.5);
  // Row 0: theta = acos(.8); cos(theta + .5) = .8 cos .5 - .6 sin .5 = 0.4144114...
  const double row0 = 0.8 * std::cos(0.5) - 0.6 * std::sin(0.5);
  EXPECT_NEAR(row0, 0.414411, 1e-6);
  // Row 1: theta = acos(-.95) = 2.824 > pi - .5, so the fallback cos - m sin m = -1.1897128...
  const double row1 = -0.95 - 0.5 * std::sin(0.5);
  EXPECT_NEAR(row1, -1.189713, 1e-6);
  auto expected = torch::tensor({{2 * row0, 0.2}, {2 * row1, 0.6}}, kD);
  EXPECT_TRUE(torch::allclose(logits, expected, 0, 1e-9)) << logits;
}

TEST(MarginLogits, ArcFaceGradientIsFiniteAtCosOne) {
  auto cos = torch::tensor({{1.0, -1.0}}, kD).requires_grad_(true);
  arcface_logits(cos, torch::tensor({0}, torch::kLong), 64, 0.5).sum().backward();
  EXPECT_TRUE(torch::isfinite(cos.grad()).all().item<bool>());
}

TEST(MarginLogits, CosFaceHandComputed) {
  auto cos = torch::tensor({{0.8, 0.1}, {-0.95, 0.3}}, kD);
  auto logits = cosface_logits(cos, torch::tensor({0, 1}, torch::kLong), 2.0, 0.35);
  auto expected = torch::tensor({{0.9, 0.2}, {-1.9, -0.1}}, kD);
  EXPECT_TRUE(torch::allclose(logits, expected, 0, 1e-12)) << logits;
}

TEST(ClassifierHead, CosFaceIsCosineOfNormalisedInputAndWeights) {
  HeadOptions o;
  o.in_features = 2;
  o.num_classes = 2;
  o.scale = 10;
  o.margin = 0.2;
  auto head = make_head("cosface", o);
  const auto params = head->named_parameters();
  ASSERT_EQ(params.size(), 1u);  // no bias
  {
    torch::NoGradGuard no_grad;
    params["weight"].copy_(torch::tensor({{2.0, 0.0}, {0.0, -3.0}}));
  }
  auto x = torch::tensor({{3.0, 4.0}});  // unit direction (.6, .8): cos = .6, -.8
  auto out = head->forward(x, torch::tensor({1}, torch::kLong));
  EXPECT_TRUE(torch::allclose(out.scores, torch::tensor({{6.0f, -8.0f}}), 0, 1e-5)) << out.scores;
  EXPECT_TRUE(torch::allclose(out.logits, torch::tensor({{6.0f, -10.0f}}), 0, 1e-5)) << out.logits;
  EXPECT_TRUE(torch::equal(head->scores(x), out.scores));
}

TEST(ClassifierHead, SoftmaxIsLinearWithBias) {
  HeadOptions o;
  o.in_features = 3;
  o.num_classes = 4;
  auto head = make_head("softmax", o);
  const auto params = head->named_parameters();
  ASSERT_EQ(params.keys(), (std::vector<std::string>{"weight", "bias"}));  // the checkpoint's order
  EXPECT_EQ(params["bias"].sizes().vec(), (std::vector<int64_t>{4}));
  auto x = torch::randn({2, 3});
  auto out = head->forward(x, torch::tensor({0, 3}, torch::kLong));
  EXPECT_TRUE(torch::allclose(out.logits, x.matmul(params["weight"].t()) + params["bias"]));
  EXPECT_TRUE(torch::equal(out.logits, out.scores));
}
