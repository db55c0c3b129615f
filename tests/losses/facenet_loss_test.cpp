// FaceNetLoss: the configured combination of the head's CE and the triplet term.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "facenet/core/error.h"
#include "facenet/losses/cosine_head.h"
#include "facenet/losses/facenet_loss.h"

using namespace facenet::losses;
using facenet::LossConfig;
using facenet::Mining;

namespace {

/// The softmax head's parameters, by their checkpoint names.
torch::Tensor param(FaceNetLoss& loss, const std::string& name) { return loss->named_parameters()[name]; }

// Cross-entropy by hand: mean over rows of logsumexp(row) - row[label].
double hand_ce(const torch::Tensor& logits, const torch::Tensor& labels) {
  double sum = 0;
  for (int64_t i = 0; i < logits.size(0); ++i)
    sum += torch::logsumexp(logits[i], 0).item<double>() - logits[i][labels[i].item<int64_t>()].item<double>();
  return sum / static_cast<double>(logits.size(0));
}

}  // namespace

TEST(FaceNetLoss, SoftmaxTripletIsTheWeightedSum) {
  LossConfig c;
  c.head = "softmax";
  c.ce_weight = 0.5;
  c.triplet_weight = 2.0;
  FaceNetLoss loss(c, 3, 2);
  ASSERT_TRUE(loss->classifier());
  {
    torch::NoGradGuard no_grad;
    param(loss, "classifier.weight").copy_(torch::tensor({{1.0f, 0.0f}, {0.0f, 1.0f}, {-1.0f, -1.0f}}));
    param(loss, "classifier.bias").copy_(torch::tensor({0.0f, 0.5f, 0.0f}));
  }
  // Thirds: anchor (0,0), positive (.1,0), negative (0,.25) -> triplet .05 (see TripletThirds.SeedRecipe).
  auto emb = torch::tensor({{0.0f, 0.0f}, {0.1f, 0.0f}, {0.0f, 0.25f}}).requires_grad_(true);
  auto pre = torch::tensor({{2.0f, 0.0f}, {1.0f, 1.0f}, {0.0f, -3.0f}}).requires_grad_(true);
  auto labels = torch::tensor({0, 0, 2}, torch::kLong);
  auto out = loss->compute(pre, emb, labels, BatchLayout::Thirds);
  ASSERT_TRUE(out.has_ce && out.has_triplet);
  // Logits: [2, .5, -2], [1, 1.5, -2], [0, -2.5, 3] -> predictions 0, 1, 2: accuracy 2/3.
  auto logits = torch::tensor({{2.0f, 0.5f, -2.0f}, {1.0f, 1.5f, -2.0f}, {0.0f, -2.5f, 3.0f}});
  const double ce = hand_ce(logits, labels);
  EXPECT_NEAR(out.ce.item<double>(), ce, 1e-5);
  EXPECT_NEAR(out.triplet.item<double>(), 0.05, 1e-5);
  EXPECT_NEAR(out.total.item<double>(), 0.5 * ce + 2.0 * 0.05, 1e-5);
  EXPECT_NEAR(out.accuracy.item<double>(), 2.0 / 3, 1e-6);
  EXPECT_NEAR(out.active_fraction.item<double>(), 1.0, 1e-6);
  out.total.backward();
  EXPECT_GT(param(loss, "classifier.weight").grad().abs().sum().item<double>(), 0);
  EXPECT_GT(emb.grad().abs().sum().item<double>(), 0);
  EXPECT_GT(pre.grad().abs().sum().item<double>(), 0);
}

TEST(FaceNetLoss, LabelSmoothing) {
  LossConfig c;
  c.triplet_weight = 0;  // the softmax head alone
  c.label_smoothing = 0.1;
  FaceNetLoss loss(c, 3, 2);
  {
    torch::NoGradGuard no_grad;
    param(loss, "classifier.weight").copy_(torch::tensor({{1.0f, 0.0f}, {0.0f, 1.0f}, {-1.0f, -1.0f}}));
    param(loss, "classifier.bias").zero_();
  }
  auto pre = torch::tensor({{2.0f, 0.0f}});
  auto out = loss->compute(pre, pre, torch::tensor({1}, torch::kLong));
  // (1 - .1) * CE + .1 * mean over classes of -log p.
  auto logp = torch::log_softmax(torch::tensor({2.0f, 0.0f, -2.0f}), 0);
  const double expected = 0.9 * -logp[1].item<double>() - 0.1 * logp.mean().item<double>();
  EXPECT_NEAR(out.ce.item<double>(), expected, 1e-5);
  EXPECT_FALSE(out.has_triplet);
  EXPECT_NEAR(out.total.item<double>(), expected, 1e-5);
}

TEST(FaceNetLoss, TripletOnlyHasNoClassifier) {
  LossConfig c;
  c.head = "none";
  c.mining = Mining::BatchHard;
  FaceNetLoss loss(c, 0, 2);
  EXPECT_FALSE(loss->classifier());
  EXPECT_EQ(loss->parameters().size(), 0u);
  EXPECT_EQ(batch_layout_for(c), BatchLayout::Identities);
  // Batch-hard hand case from BatchHard.HandComputed (4 anchors) -> .7.
  auto x = torch::tensor({{0.0, 0.0}, {0.5, 0.0}, {0.6, 0.0}, {-0.3, 0.0}}, torch::kDouble);
  auto out = loss->compute(x, x, torch::tensor({0, 0, 1, 1}, torch::kLong));
  EXPECT_FALSE(out.has_ce);
  EXPECT_NEAR(out.triplet.item<double>(), 0.7, 1e-9);
  EXPECT_NEAR(out.total.item<double>(), 0.7, 1e-9);
  EXPECT_EQ(out.ce.item<double>(), 0.0);
}

TEST(FaceNetLoss, MarginHeadsAreRegisteredWithoutBias) {
  for (const char* head : {"arcface", "cosface"}) {
    LossConfig c;
    c.head = head;
    c.mining = Mining::BatchAll;
    FaceNetLoss loss(c, 10, 128);
    const auto params = loss->named_parameters();
    ASSERT_EQ(params.size(), 1u);
    EXPECT_EQ(params.keys().front(), "classifier.weight");
    EXPECT_EQ(params["classifier.weight"].sizes().vec(), (std::vector<int64_t>{10, 128}));
  }
  LossConfig soft;
  FaceNetLoss loss(soft, 10, 128);
  EXPECT_EQ(loss->named_parameters().size(), 2u);
  EXPECT_TRUE(loss->named_parameters().contains("classifier.bias"));
}

TEST(FaceNetLoss, ArcFaceUsesMarginForLossAndPlainCosineForAccuracy) {
  LossConfig c;
  c.head = "arcface";
  c.triplet_weight = 0;
  c.scale = 2.0;
  c.margin = 0.5;
  FaceNetLoss loss(c, 2, 2);
  {
    torch::NoGradGuard no_grad;
    param(loss, "classifier.weight").copy_(torch::tensor({{1.0, 0.0}, {0.0, 1.0}}, torch::kFloat));
  }
  // Input direction (.8, .6): cos .8 vs .6; the target (class 0) is predicted correctly,
  // but its margin logit cos(acos(.8) + .5) = .4144 is below .6.
  auto pre = torch::tensor({{4.0f, 3.0f}});
  auto labels = torch::tensor({0}, torch::kLong);
  auto out = loss->compute(pre, pre, labels);
  const double target = 0.8 * std::cos(0.5) - 0.6 * std::sin(0.5);
  const double expected = hand_ce(torch::tensor({{2 * target, 2 * 0.6}}, torch::kDouble), labels);
  EXPECT_NEAR(out.ce.item<double>(), expected, 1e-5);
  EXPECT_EQ(out.accuracy.item<double>(), 1.0);
}

TEST(FaceNetLoss, MarginUnsetIsTheHeadsOwnDefault) {
  for (const auto& [head, expected] : {std::pair{"arcface", 0.5}, std::pair{"cosface", 0.35}}) {
    LossConfig c;
    c.head = head;
    FaceNetLoss unset(c, 3, 4);
    EXPECT_DOUBLE_EQ(dynamic_cast<CosineHead&>(*unset->classifier()).margin(), expected) << head;
    c.margin = 0.2;
    FaceNetLoss given(c, 3, 4);
    EXPECT_DOUBLE_EQ(dynamic_cast<CosineHead&>(*given->classifier()).margin(), 0.2) << head;
  }
}

TEST(FaceNetLoss, BadUsage) {
  LossConfig c;  // softmax head + triplet, mining none
  EXPECT_THROW(FaceNetLoss(c, 0, 128), facenet::ConfigError);
  FaceNetLoss loss(c, 4, 2);
  auto x = torch::zeros({4, 2});
  auto labels = torch::tensor({0, 0, 1, 1}, torch::kLong);
  EXPECT_THROW(loss->compute(x, x, labels, BatchLayout::Identities), facenet::ConfigError);
  EXPECT_THROW(loss->compute(x, x, labels, BatchLayout::Thirds), facenet::Error);  // 4 rows
  EXPECT_THROW(loss->compute(x, x, torch::tensor({0, 1}, torch::kLong)), facenet::Error);
}
