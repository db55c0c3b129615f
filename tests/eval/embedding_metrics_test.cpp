// Distances, test-time flip and subtract_mean on tiny hand-made vectors.
#include "facenet/eval/embedding_metrics.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

#include "facenet/core/error.h"

using namespace facenet;
using namespace facenet::eval;

namespace {
// Rows: [1,0]-[0,1] (orthogonal), [3,4]-[6,8] (parallel), [1,0]-[-1,0] (opposite), [1,1]-[1,0] (45 deg).
torch::Tensor A() { return torch::tensor({{1.0, 0.0}, {3.0, 4.0}, {1.0, 0.0}, {1.0, 1.0}}); }
torch::Tensor B() { return torch::tensor({{0.0, 1.0}, {6.0, 8.0}, {-1.0, 0.0}, {1.0, 0.0}}); }
}  // namespace

TEST(PairDistances, L2) {
  const auto d = pair_distances(A(), B(), Distance::L2);
  ASSERT_EQ(d.size(), 4u);
  EXPECT_NEAR(d[0], std::sqrt(2.0), 1e-12);
  EXPECT_NEAR(d[1], 5.0, 1e-12);
  EXPECT_NEAR(d[2], 2.0, 1e-12);
  EXPECT_NEAR(d[3], 1.0, 1e-12);
}

TEST(PairDistances, SquaredL2) {
  const auto d = pair_distances(A(), B(), Distance::L2Squared);
  EXPECT_NEAR(d[0], 2.0, 1e-12);
  EXPECT_NEAR(d[1], 25.0, 1e-12);
  EXPECT_NEAR(d[2], 4.0, 1e-12);
  EXPECT_NEAR(d[3], 1.0, 1e-12);
}

TEST(PairDistances, CosineIsAngleOverPiOnRawVectors) {
  // cos 0 -> .5; cos 1 (unnormalised [3,4] vs [6,8]) -> 0; cos -1 -> 1; cos 1/sqrt2 -> (pi/4)/pi = .25.
  const auto d = pair_distances(A(), B(), Distance::Cosine);
  EXPECT_NEAR(d[0], 0.5, 1e-12);
  EXPECT_NEAR(d[1], 0.0, 1e-7);
  EXPECT_NEAR(d[2], 1.0, 1e-7);
  EXPECT_NEAR(d[3], 0.25, 1e-12);
}

TEST(Flip, NoneConcatSum) {
  const auto plain = torch::tensor({{1.0f, 0.0f, 0.0f}, {0.0f, 0.0f, 2.0f}});
  const auto flipped = torch::tensor({{0.0f, 1.0f, 0.0f}, {0.0f, 0.0f, 1.0f}});
  EXPECT_TRUE(combine_flip(plain, torch::Tensor(), FlipMode::None).equal(plain));
  // concat: dimension doubles, values as is (no re-normalisation).
  const auto cat = combine_flip(plain, flipped, FlipMode::Concat);
  ASSERT_EQ(cat.sizes(), (std::vector<int64_t>{2, 6}));
  EXPECT_TRUE(cat[0].equal(torch::tensor({1.0f, 0.0f, 0.0f, 0.0f, 1.0f, 0.0f})));
  EXPECT_FLOAT_EQ(cat[1][5].item<float>(), 1.0f);
  // sum: [1,1,0] -> [1/sqrt2, 1/sqrt2, 0]; [0,0,3] -> [0,0,1].
  const auto sum = combine_flip(plain, flipped, FlipMode::Sum);
  ASSERT_EQ(sum.sizes(), (std::vector<int64_t>{2, 3}));
  EXPECT_NEAR(sum[0][0].item<float>(), 1 / std::sqrt(2.0), 1e-6);
  EXPECT_NEAR(sum[0][1].item<float>(), 1 / std::sqrt(2.0), 1e-6);
  EXPECT_NEAR(sum[1][2].item<float>(), 1.0, 1e-6);
  EXPECT_THROW(combine_flip(plain, torch::Tensor(), FlipMode::Sum), facenet::Error);
}

namespace {
// 2 folds of 2 pairs, labels S D | S D, cosine, grid 0:1 step .1.
// Rows of pairs 0,1: [2,1] [3,1] [8,5] [-13,-7] -> mean [0,0]. Rows of pairs 2,3: [1,0] [2,0] [-1,-4] [2,8] -> mean [1,1].
torch::Tensor E1() { return torch::tensor({{2.0, 1.0}, {8.0, 5.0}, {1.0, 0.0}, {-1.0, -4.0}}); }
torch::Tensor E2() { return torch::tensor({{3.0, 1.0}, {-13.0, -7.0}, {2.0, 0.0}, {2.0, 8.0}}); }
const std::vector<bool> kSame = {true, false, true, false};
EvalConfig cosine_config(bool subtract_mean) {
  EvalConfig c;
  c.folds = 2, c.threshold_max = 1.0, c.threshold_step = 0.1, c.distance = Distance::Cosine;
  c.subtract_mean = subtract_mean, c.far_target = 0.5;
  return c;
}
}  // namespace

TEST(SubtractMean, EachFoldCentresOnItsTrainingFolds) {
  // Fold 0 trains on pairs 2,3 centred by their mean [1,1]: pair 2 [0,-1] vs [1,-1] -> cos 1/sqrt2 -> .25 (S);
  //   pair 3 [-2,-5] vs [1,7] -> cos -.97 -> .92 (D). Accuracy over {0,.1,.2,.3,...}: first perfect at .3.
  //   Test pairs 0,1 centred by [1,1]: [1,0] vs [2,0] -> 0 (S, accepted); [7,4] vs [-14,-8] -> 1 (D) -> 1.0.
  // Fold 1 trains on pairs 0,1 centred by their mean [0,0] (raw): .045 (S), .98 (D) -> .1.
  //   Test pairs 2,3 raw: 0 (S), 1 (D) -> 1.0.
  const auto r = evaluate_embeddings(E1(), E2(), kSame, cosine_config(true));
  ASSERT_EQ(r.folds.size(), 2u);
  EXPECT_NEAR(r.folds[0].threshold, 0.3, 1e-9);
  EXPECT_NEAR(r.folds[1].threshold, 0.1, 1e-9);
  EXPECT_DOUBLE_EQ(r.folds[0].accuracy, 1.0);
  EXPECT_DOUBLE_EQ(r.folds[1].accuracy, 1.0);
}

TEST(SubtractMean, OffUsesRawDistances) {
  // Raw: pair 2 -> 0, pair 3 -> 1, pair 0 -> .045, pair 1 -> .98: both folds' first perfect threshold is .1.
  const auto r = evaluate_embeddings(E1(), E2(), kSame, cosine_config(false));
  EXPECT_NEAR(r.folds[0].threshold, 0.1, 1e-9);
  EXPECT_NEAR(r.folds[1].threshold, 0.1, 1e-9);
}

TEST(SubtractMean, DoesNotChangeEuclideanDistances) {
  // (a - m) - (b - m) = a - b: l2 reports are identical with and without.
  auto on = cosine_config(true), off = cosine_config(false);
  on.distance = off.distance = Distance::L2;
  on.threshold_max = off.threshold_max = 30.0;
  const auto a = evaluate_embeddings(E1(), E2(), kSame, on), b = evaluate_embeddings(E1(), E2(), kSame, off);
  for (int f = 0; f < 2; ++f) EXPECT_DOUBLE_EQ(a.folds[f].threshold, b.folds[f].threshold);
  EXPECT_DOUBLE_EQ(a.auc, b.auc);
}
