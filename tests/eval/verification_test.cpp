// The protocol on hand-made distance fixtures; every expected value is computed in the comments.
#include "facenet/eval/verification.h"

#include <gtest/gtest.h>

#include <cmath>

#include "facenet/core/error.h"

using namespace facenet::eval;

namespace {

facenet::EvalConfig grid_config(int64_t folds, double max, double step, double far_target) {
  facenet::EvalConfig c;
  c.folds = folds, c.threshold_max = max, c.threshold_step = step, c.far_target = far_target;
  return c;
}

// 2 folds of 4 pairs. Fold A = pairs 0..3, fold B = pairs 4..7.
const std::vector<double> kDist = {0.1, 0.6, 0.4, 0.9, /*B*/ 0.2, 0.3, 0.7, 0.8};
const std::vector<bool> kSame = {true, true, false, false, /*B*/ true, true, false, false};

}  // namespace

TEST(KFold, FirstFoldsGetTheRemainder) {
  // sklearn KFold(4).split(range(10)): sizes 3, 3, 2, 2.
  const auto f = kfold_ranges(10, 4);
  ASSERT_EQ(f.size(), 4u);
  EXPECT_EQ(f[0].begin, 0);
  EXPECT_EQ(f[0].end, 3);
  EXPECT_EQ(f[1].begin, 3);
  EXPECT_EQ(f[1].end, 6);
  EXPECT_EQ(f[2].begin, 6);
  EXPECT_EQ(f[2].end, 8);
  EXPECT_EQ(f[3].begin, 8);
  EXPECT_EQ(f[3].end, 10);
  EXPECT_THROW(kfold_ranges(3, 4), facenet::Error);
  EXPECT_EQ(train_indices(5, {1, 3}), (std::vector<int64_t>{0, 3, 4}));
}

TEST(ThresholdGrid, NumpyArangeLength) {
  const auto g = threshold_grid(4.0, 0.01);
  ASSERT_EQ(g.size(), 400u);  // np.arange(0, 4, 0.01)
  EXPECT_DOUBLE_EQ(g[0], 0.0);
  EXPECT_DOUBLE_EQ(g[399], 3.99);
  EXPECT_EQ(threshold_grid(4.0, 0.001).size(), 4000u);
  EXPECT_EQ(threshold_grid(1.0, 0.3).size(), 4u);  // 0, .3, .6, .9
}

TEST(Accuracy, TwoFoldsOfFourByHand) {
  // Grid {0, .25, .5, .75}.
  // Fold 0 (test A, train B = S.2 S.3 D.7 D.8): correct at 0:2, .25:3, .5:4, .75:3 -> .5.
  //   On A at .5: S.1 yes, S.6 no, D.4 accepted (wrong), D.9 no -> 2/4.
  // Fold 1 (test B, train A = S.1 S.6 D.4 D.9): 0:2, .25:3, .5:2, .75:3 -> first max .25.
  //   On B at .25: S.2 yes, S.3 no, D.7, D.8 rejected -> 3/4.
  // Mean (.5 + .75)/2 = .625, population std .125.
  const auto r = evaluate_distances(kDist, kSame, grid_config(2, 1.0, 0.25, 0.5));
  ASSERT_EQ(r.folds.size(), 2u);
  EXPECT_DOUBLE_EQ(r.folds[0].threshold, 0.5);
  EXPECT_DOUBLE_EQ(r.folds[0].train_accuracy, 1.0);
  EXPECT_DOUBLE_EQ(r.folds[0].accuracy, 0.5);
  EXPECT_DOUBLE_EQ(r.folds[1].threshold, 0.25);
  EXPECT_DOUBLE_EQ(r.folds[1].train_accuracy, 0.75);
  EXPECT_DOUBLE_EQ(r.folds[1].accuracy, 0.75);
  EXPECT_DOUBLE_EQ(r.accuracy_mean, 0.625);
  EXPECT_DOUBLE_EQ(r.accuracy_std, 0.125);
  EXPECT_EQ(r.num_pairs, 8);
  EXPECT_EQ(r.num_same, 4);
  EXPECT_EQ(r.num_diff, 4);
}

TEST(Accuracy, StrictLessThanThreshold) {
  // dist == threshold is "different": at t = .5 the same pair at .5 is rejected.
  const auto c = confusion_at({0.5, 0.7}, {true, false}, {0, 1}, 0.5);
  EXPECT_EQ(c.tp, 0);
  EXPECT_EQ(c.fn, 1);
  EXPECT_EQ(c.tn, 1);
  EXPECT_DOUBLE_EQ(c.accuracy(), 0.5);
}

TEST(ValAtFar, InterpolatesBetweenFarLevels) {
  // Different-pair distances .1 .3 .3 .6 on grid {0,.25,.5,.75}: FAR = 0, .25, .75, 1.
  const std::vector<double> d = {0.1, 0.3, 0.3, 0.6, 0.05};
  const std::vector<bool> s = {false, false, false, false, true};
  const std::vector<int64_t> idx = {0, 1, 2, 3, 4};
  const std::vector<double> grid = {0, 0.25, 0.5, 0.75};
  // target .5: between (.25, .25) and (.75, .5): .25 + (.5-.25) * .25 / .5 = .375.
  EXPECT_DOUBLE_EQ(threshold_for_far(d, s, idx, grid, 0.5), 0.375);
  // target exactly a level: that grid point.
  EXPECT_DOUBLE_EQ(threshold_for_far(d, s, idx, grid, 0.25), 0.25);
  // target .9: between (.75, .5) and (1, .75): .5 + .15 * .25 / .25 = .65.
  EXPECT_DOUBLE_EQ(threshold_for_far(d, s, idx, grid, 0.9), 0.65);
}

TEST(ValAtFar, PlateausUseTheirLastThreshold) {
  // Different distances .1 .6: FAR on {0,.25,.5,.75} = 0, .5, .5, 1 (a plateau at .5).
  const std::vector<double> d = {0.1, 0.6};
  const std::vector<bool> s = {false, false};
  const std::vector<int64_t> idx = {0, 1};
  const std::vector<double> grid = {0, 0.25, 0.5, 0.75};
  // scipy's slinear spline is right-continuous: at .5 it is the plateau's last threshold, .5 (not .25).
  EXPECT_DOUBLE_EQ(threshold_for_far(d, s, idx, grid, 0.5), 0.5);
  // .75: from (.5, .5) to (1, .75): .5 + .25 * .25 / .5 = .625.
  EXPECT_DOUBLE_EQ(threshold_for_far(d, s, idx, grid, 0.75), 0.625);
  // Plateau at 0: distances .6 .6 -> FAR 0, 0, 0, 1; .5 -> from (0, .5) to (1, .75) = .625.
  EXPECT_DOUBLE_EQ(threshold_for_far({0.6, 0.6}, s, idx, grid, 0.5), 0.625);
  // Target equal to the maximum FAR: the first threshold reaching it. Distances .1 .2 -> 0, 1, 1, 1.
  EXPECT_DOUBLE_EQ(threshold_for_far({0.1, 0.2}, s, idx, grid, 1.0), 0.25);
}

TEST(ValAtFar, UnreachableTargetGivesZero) {
  // Different distances .8 .9 beyond the grid's last threshold .75: max FAR 0 < .001 -> 0.
  EXPECT_DOUBLE_EQ(threshold_for_far({0.8, 0.9}, {false, false}, {0, 1}, {0, 0.25, 0.5, 0.75}, 1e-3), 0.0);
}

TEST(ValAtFar, PerFoldInTheProtocol) {
  // far_target .5, VAL grid 0:1 step .001.
  // Fold 0 trains on B (different .7 .8): FAR .5 for .7 < t <= .8 -> the plateau's last point, ~.8.
  //   On A at .8: same .1 .6 accepted -> VAL 1; different .4 accepted, .9 not -> FAR .5.
  // Fold 1 trains on A (different .4 .9): FAR .5 up to ~.9.
  //   On B at .9: same .2 .3 -> VAL 1; different .7 .8 both accepted -> FAR 1.
  const auto r = evaluate_distances(kDist, kSame, grid_config(2, 1.0, 0.25, 0.5));
  EXPECT_NEAR(r.folds[0].val_threshold, 0.8, 1.5e-3);
  EXPECT_DOUBLE_EQ(r.folds[0].val, 1.0);
  EXPECT_DOUBLE_EQ(r.folds[0].far, 0.5);
  EXPECT_NEAR(r.folds[1].val_threshold, 0.9, 1.5e-3);
  EXPECT_DOUBLE_EQ(r.folds[1].far, 1.0);
  EXPECT_DOUBLE_EQ(r.val_mean, 1.0);
  EXPECT_DOUBLE_EQ(r.val_std, 0.0);
  EXPECT_DOUBLE_EQ(r.far_mean, 0.75);
  // All pairs (different .4 .7 .8 .9): FAR .5 for .7 < t <= .8 -> ~.8; there TAR 1, FAR .5.
  EXPECT_NEAR(r.threshold_at_far, 0.8, 1.5e-3);
  EXPECT_DOUBLE_EQ(r.val_at_threshold, 1.0);
  EXPECT_DOUBLE_EQ(r.far_at_threshold, 0.5);
}

TEST(ValAtFar, UnreachableInTheProtocolGivesZeroThreshold) {
  // Every distance beyond threshold_max 0.05: FAR is 0 on the whole grid -> threshold 0, VAL 0, FAR 0.
  const auto r = evaluate_distances(kDist, kSame, grid_config(2, 0.05, 0.01, 1e-3));
  EXPECT_DOUBLE_EQ(r.folds[0].val_threshold, 0.0);
  EXPECT_DOUBLE_EQ(r.folds[1].val_threshold, 0.0);
  EXPECT_DOUBLE_EQ(r.val_mean, 0.0);
  EXPECT_DOUBLE_EQ(r.threshold_at_far, 0.0);
  EXPECT_DOUBLE_EQ(r.fraction_beyond_grid, 1.0);
}

TEST(Roc, AucEerAndTarOnTheFixture) {
  // Sorted: .1S .2S .3S .4D .6S .7D .8D .9D. ROC: (0,0) (0,.25) (0,.5) (0,.75) (.25,.75) (.25,1)
  // (.5,1) (.75,1) (1,1). AUC = 15 of 16 same/different pairs ordered right = .9375.
  // EER: fpr + tpr - 1 goes from -.25 at (0,.75) to 0 at (.25,.75) -> .25.
  const auto r = evaluate_distances(kDist, kSame, grid_config(2, 1.0, 0.25, 0.5));
  ASSERT_EQ(r.roc.fpr.size(), 9u);
  EXPECT_DOUBLE_EQ(r.auc, 0.9375);
  EXPECT_DOUBLE_EQ(r.eer, 0.25);
  ASSERT_EQ(r.tar_at_far.size(), 3u);
  EXPECT_DOUBLE_EQ(r.tar_at_far[0].far_target, 0.1);
  EXPECT_DOUBLE_EQ(r.tar_at_far[0].tar, 0.75);  // largest TPR with FPR <= .1: (0, .75)
  EXPECT_DOUBLE_EQ(r.tar_at_far[0].far, 0.0);
  EXPECT_DOUBLE_EQ(r.tar_at_far[2].tar, 0.75);
}

TEST(Roc, TiesAreOnePointAndCountHalf) {
  // .1S, .2S and .2D tied, .3D. ROC (0,0) (0,.5) (.5,1) (1,1).
  // AUC: .5*(.5+1)/2 + .5*1 = .875 (Mann-Whitney: 3 wins + 1 tie/2 of 4).
  // EER on the segment (0,.5)-(.5,1): h from -.5 to .5 -> halfway, FPR .25.
  const auto roc = roc_curve({0.1, 0.2, 0.2, 0.3}, {true, true, false, false});
  ASSERT_EQ(roc.fpr.size(), 4u);
  EXPECT_DOUBLE_EQ(roc.fpr[2], 0.5);
  EXPECT_DOUBLE_EQ(roc.tpr[2], 1.0);
  EXPECT_DOUBLE_EQ(roc.thresholds[2], 0.2);
  EXPECT_DOUBLE_EQ(roc_auc(roc), 0.875);
  EXPECT_DOUBLE_EQ(roc_eer(roc), 0.25);
  EXPECT_DOUBLE_EQ(roc_tar_at_far(roc, 0.1), 0.5);
  EXPECT_DOUBLE_EQ(roc_tar_at_far(roc, 0.5), 1.0);
}

TEST(Roc, NoNegativesGivesNaNAuc) {
  const auto roc = roc_curve({0.1, 0.2}, {true, true});
  EXPECT_TRUE(std::isnan(roc_auc(roc)));
}
