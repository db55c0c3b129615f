// Triplet losses against hand-computed values on tiny fixed batches (points on a line,
// so every distance is a difference of coordinates).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "facenet/core/error.h"
#include "facenet/losses/functional.h"

using namespace facenet::losses;
using facenet::Mining;
using facenet::TripletDistance;

namespace {

constexpr double kTol = 1e-9;
const auto kD = torch::kDouble;

// Points (x, 0) as a (N, 2) double tensor that requires grad.
torch::Tensor on_line(std::vector<double> xs) {
  auto x = torch::tensor(xs, kD).view({-1, 1});
  return torch::cat({x, torch::zeros_like(x)}, 1).requires_grad_(true);
}

torch::Tensor labels(std::vector<int64_t> l) { return torch::tensor(l, torch::kLong); }

double value(const torch::Tensor& t) { return t.item<double>(); }

void expect_finite_grad(const torch::Tensor& loss, const torch::Tensor& x) {
  loss.backward();
  ASSERT_TRUE(x.grad().defined());
  EXPECT_TRUE(torch::isfinite(x.grad()).all().item<bool>());
}

// Labels A A B B at x = 0, 0.5, 0.6, -0.3 (index 4, label C at x = 3, is a lone identity):
//   d01 .5  d02 .6  d03 .3  d12 .1  d13 .8  d23 .9
torch::Tensor line_batch() { return on_line({0.0, 0.5, 0.6, -0.3, 3.0}); }
torch::Tensor line_labels() { return labels({0, 0, 1, 1, 2}); }

}  // namespace

TEST(PairwiseDistances, EuclideanAndSquared) {
  auto x = torch::tensor({{0.0, 0.0}, {3.0, 4.0}, {0.0, 1.0}}, kD);
  auto d = pairwise_distances(x, TripletDistance::Euclidean);
  auto expected = torch::tensor({{0.0, 5.0, 1.0}, {5.0, 0.0, std::sqrt(18.0)}, {1.0, std::sqrt(18.0), 0.0}}, kD);
  EXPECT_TRUE(torch::allclose(d, expected, 0, 1e-9)) << d;
  EXPECT_TRUE(torch::allclose(pairwise_distances(x, TripletDistance::SquaredEuclidean), expected.pow(2), 0, 1e-9));
}

TEST(TripletThirds, SeedRecipe) {
  // anchors (0,0), (1,0); positives (0.1,0), (1,0) [distance 0]; negatives (0,0.25), (1,1).
  auto x = torch::tensor({{0.0, 0.0}, {1.0, 0.0}, {0.1, 0.0}, {1.0, 0.0}, {0.0, 0.25}, {1.0, 1.0}}, kD)
               .requires_grad_(true);
  // Triplet 1: pos .1, neg .25 -> neg - pos = .15 < .2 kept, loss .05. Triplet 2: neg - pos = 1, dropped.
  auto r = triplet_loss_thirds(x, 0.2, TripletDistance::Euclidean);
  EXPECT_NEAR(value(r.loss), 0.05, 1e-6);
  EXPECT_NEAR(value(r.active_fraction), 0.5, kTol);
  EXPECT_EQ(r.num_valid.item<int64_t>(), 2);
  expect_finite_grad(r.loss, x);  // zero anchor-positive distance: no NaN
  // Squared: pos .01, neg .0625 -> kept, loss .1475; triplet 2 (0 vs 1) dropped.
  auto s = triplet_loss_thirds(x, 0.2, TripletDistance::SquaredEuclidean);
  EXPECT_NEAR(value(s.loss), 0.1475, kTol);
}

TEST(TripletThirds, MeanOverKeptOnly) {
  // pos .1 / neg .2 -> .1 ; pos .3 / neg .4 -> .1 ; pos .1 / neg .9 -> dropped => (.1 + .1) / 2.
  auto x = torch::tensor({{0.0, 0.0}, {0.0, 0.0}, {0.0, 0.0}, {0.1, 0.0}, {0.3, 0.0}, {0.1, 0.0},
                          {0.2, 0.0}, {0.4, 0.0}, {0.9, 0.0}}, kD);
  auto r = triplet_loss_thirds(x, 0.2, TripletDistance::Euclidean);
  EXPECT_NEAR(value(r.loss), 0.1, 1e-9);
  EXPECT_NEAR(value(r.active_fraction), 2.0 / 3.0, kTol);
}

TEST(TripletThirds, NothingKeptIsZeroWithGradient) {
  auto x = torch::tensor({{0.0, 0.0}, {0.0, 0.1}, {5.0, 0.0}}, kD).requires_grad_(true);
  auto r = triplet_loss_thirds(x, 0.2, TripletDistance::Euclidean);
  EXPECT_EQ(value(r.loss), 0.0);
  EXPECT_EQ(value(r.active_fraction), 0.0);
  EXPECT_TRUE(r.loss.requires_grad());
  expect_finite_grad(r.loss, x);
  EXPECT_EQ(x.grad().abs().sum().item<double>(), 0.0);
}

TEST(TripletThirds, RejectsRowsNotMultipleOfThree) {
  EXPECT_THROW(triplet_loss_thirds(torch::zeros({4, 2}), 0.2, TripletDistance::Euclidean), facenet::Error);
}

TEST(BatchAll, HandComputed) {
  // Valid (a,p,n) with loss d_ap - d_an + .2:
  //  (0,1,2) .1  (0,1,3) .4  (1,0,2) .6  (1,0,3) -.1  (2,3,0) .5  (2,3,1) 1.0  (3,2,0) .8  (3,2,1) .3
  //  plus the lone identity as negative of each of the 4 pairs (all far: loss < 0).
  // 7 positive of 12 valid; loss = 3.7 / 7.
  auto x = line_batch();
  auto r = batch_all_triplet_loss(x, line_labels(), 0.2, TripletDistance::Euclidean);
  EXPECT_NEAR(value(r.loss), 3.7 / 7, kTol);
  EXPECT_NEAR(value(r.active_fraction), 7.0 / 12, kTol);
  EXPECT_EQ(r.num_valid.item<int64_t>(), 12);
  expect_finite_grad(r.loss, x);
}

TEST(BatchHard, HandComputed) {
  // Anchor: hardest positive / hardest negative -> loss:
  //  0: .5/.3 -> .4   1: .5/.1 -> .6   2: .9/.1 -> 1.0   3: .9/.3 -> .8   4: no positive, excluded.
  auto x = line_batch();
  auto r = batch_hard_triplet_loss(x, line_labels(), 0.2, TripletDistance::Euclidean);
  EXPECT_NEAR(value(r.loss), 2.8 / 4, kTol);
  EXPECT_NEAR(value(r.active_fraction), 1.0, kTol);
  EXPECT_EQ(r.num_valid.item<int64_t>(), 4);
  expect_finite_grad(r.loss, x);
  // Squared distances: .25/.09 -> .36, .25/.01 -> .44, .81/.01 -> 1.0, .81/.09 -> .92.
  auto s = batch_hard_triplet_loss(line_batch(), line_labels(), 0.2, TripletDistance::SquaredEuclidean);
  EXPECT_NEAR(value(s.loss), 2.72 / 4, kTol);
}

TEST(SemiHard, HandComputed) {
  // Pair (a,p), d_ap: semi-hard negative in (d_ap, d_ap + .2), else the anchor's hardest:
  //  (0,1) .5: n2 .6 is semi-hard (hardest would be n3 .3)  -> .1
  //  (1,0) .5: none (n2 .1, n3 .8)  -> hardest .1           -> .6
  //  (2,3) .9: none (n0 .6, n1 .1)  -> hardest .1           -> 1.0
  //  (3,2) .9: none (n0 .3, n1 .8)  -> hardest .3           -> .8
  auto x = line_batch();
  auto r = semi_hard_triplet_loss(x, line_labels(), 0.2, TripletDistance::Euclidean);
  EXPECT_NEAR(value(r.loss), 2.5 / 4, kTol);
  EXPECT_NEAR(value(r.active_fraction), 1.0, kTol);
  EXPECT_EQ(r.num_valid.item<int64_t>(), 4);
  expect_finite_grad(r.loss, x);
}

TEST(SemiHard, EasyNegativesGiveZero) {
  auto x = on_line({0.0, 0.1, 5.0, 5.1});
  auto r = semi_hard_triplet_loss(x, labels({0, 0, 1, 1}), 0.2, TripletDistance::Euclidean);
  EXPECT_EQ(value(r.loss), 0.0);
  EXPECT_EQ(value(r.active_fraction), 0.0);
  EXPECT_EQ(r.num_valid.item<int64_t>(), 4);
}

TEST(MinedLosses, NoValidTripletIsZeroWithoutNaN) {
  for (auto mining : {Mining::BatchAll, Mining::BatchHard, Mining::SemiHard}) {
    for (auto distance : {TripletDistance::Euclidean, TripletDistance::SquaredEuclidean}) {
      // One identity only (no negatives), including two identical embeddings (zero distance).
      auto x = on_line({0.0, 0.0, 0.7});
      auto r = mined_triplet_loss(x, labels({4, 4, 4}), mining, 0.2, distance);
      EXPECT_EQ(value(r.loss), 0.0) << facenet::to_string(mining);
      EXPECT_EQ(value(r.active_fraction), 0.0);
      EXPECT_EQ(r.num_valid.item<int64_t>(), 0);
      ASSERT_TRUE(r.loss.requires_grad());
      expect_finite_grad(r.loss, x);
      // All singletons: no positives.
      auto y = on_line({0.0, 1.0});
      auto q = mined_triplet_loss(y, labels({0, 1}), mining, 0.2, distance);
      EXPECT_EQ(value(q.loss), 0.0);
      expect_finite_grad(q.loss, y);
    }
  }
}

TEST(MinedLosses, IdenticalPositivesHaveFiniteGradients) {
  auto x = on_line({0.0, 0.0, 0.1, 0.1});
  for (auto mining : {Mining::BatchAll, Mining::BatchHard, Mining::SemiHard}) {
    auto xi = x.detach().clone().requires_grad_(true);
    auto r = mined_triplet_loss(xi, labels({0, 0, 1, 1}), mining, 0.2, TripletDistance::Euclidean);
    EXPECT_NEAR(value(r.loss), 0.1, 1e-5) << facenet::to_string(mining);  // 0 - .1 + .2 everywhere
    expect_finite_grad(r.loss, xi);
  }
}

TEST(MinedLosses, NoneIsRejected) {
  EXPECT_THROW(mined_triplet_loss(on_line({0, 1}), labels({0, 1}), Mining::None, 0.2, TripletDistance::Euclidean),
               facenet::Error);
}
