#pragma once
// The verification protocol on pair distances (plain doubles, no torch): K-fold best-threshold
// accuracy and VAL@FAR as davidsandberg/facenet (src/facenet.py calculate_roc/calculate_val) and
// bubbliiiing/facenet compute them, plus ROC, AUC, EER and TAR@FAR over all pairs.
// Convention everywhere except the ROC: a pair is predicted "same" when dist < threshold (strict).
#include <cstdint>
#include <functional>
#include <vector>

#include "facenet/core/config.h"

namespace facenet::eval {

/// Threshold step of the VAL@FAR grid (davidsandberg: np.arange(0, 4, 0.001)).
inline constexpr double kValThresholdStep = 0.001;
/// FAR levels reported as TAR@FAR over all pairs.
inline constexpr double kTarFars[] = {1e-1, 1e-2, 1e-3};

/// A held-out fold [begin, end) of the pairs in order.
struct FoldRange {
  int64_t begin = 0;
  int64_t end = 0;
};

/// sklearn KFold(n_splits=k, shuffle=False): consecutive folds of n / k pairs, the first n % k
/// one larger. Example: kfold_ranges(10, 4) == {[0,3), [3,6), [6,8), [8,10)}. Throws when k < 2 or n < k.
std::vector<FoldRange> kfold_ranges(int64_t n, int64_t k);

/// np.arange(0, max, step): ceil(max / step) values i * step. threshold_grid(4, 0.01).size() == 400.
std::vector<double> threshold_grid(double max, double step);

/// Pair indices 0..n-1 outside [fold.begin, fold.end).
std::vector<int64_t> train_indices(int64_t n, const FoldRange& fold);

/// Counts over the pairs `idx`, predicting same when dist < threshold.
struct Confusion {
  int64_t tp = 0, fp = 0, tn = 0, fn = 0;
  double accuracy() const;
  double tpr() const;  ///< 0 when there is no positive (as davidsandberg)
  double fpr() const;  ///< 0 when there is no negative
};
Confusion confusion_at(const std::vector<double>& dist, const std::vector<bool>& same,
                       const std::vector<int64_t>& idx, double threshold);

/// Index into `grid` of the first threshold (np.argmax) with the highest accuracy on `idx`.
int64_t best_accuracy_threshold(const std::vector<double>& dist, const std::vector<bool>& same,
                                const std::vector<int64_t>& idx, const std::vector<double>& grid);

/// The threshold giving FAR = far_target on `idx` (davidsandberg calculate_val): FAR(t) on the grid
/// is non-decreasing; 0 when max FAR < far_target. Otherwise it is what
/// scipy's interp1d(far, grid, kind='slinear')(far_target) computed before scipy rejected duplicate
/// x (the linear B-spline through the grid points, right-continuous at runs of equal FAR):
/// with b the last grid index with FAR <= target, it is grid[b] when FAR[b] == target, else the
/// line from (FAR[b], grid[b]) to (FAR[b+1], grid[b+1]) at target. When target equals the maximum
/// FAR, the first grid value reaching it (old scipy evaluated a zero-length interval to 0 there
/// when that maximum repeats; we take the continuous reading).
double threshold_for_far(const std::vector<double>& dist, const std::vector<bool>& same,
                         const std::vector<int64_t>& idx, const std::vector<double>& grid, double far_target);

/// ROC over all pairs as sklearn.metrics.roc_curve(same, -dist, drop_intermediate=False): one point per
/// distinct distance d (accept dist <= d), preceded by (0, 0) with threshold -inf.
struct Roc {
  std::vector<double> fpr, tpr, thresholds;
};
Roc roc_curve(const std::vector<double>& dist, const std::vector<bool>& same);
/// Trapezoid area under the ROC (= sklearn roc_auc_score on -dist; ties count half).
double roc_auc(const Roc& roc);
/// FPR where the ROC polyline crosses FPR = 1 - TPR (linear interpolation along the segment).
double roc_eer(const Roc& roc);
/// The largest TPR among ROC points with FPR <= far; `far_at` gets that point's FPR.
double roc_tar_at_far(const Roc& roc, double far, double* far_at = nullptr);

struct FoldResult {
  FoldRange range;
  double threshold = 0;       ///< best train-fold accuracy threshold
  double train_accuracy = 0;
  double accuracy = 0;        ///< held-out fold accuracy at `threshold`
  double val_threshold = 0;   ///< train-fold FAR = far_target threshold (0 when unreachable)
  double val = 0;             ///< held-out fold TAR at val_threshold
  double far = 0;             ///< held-out fold FAR at val_threshold
};

struct TarAtFar {
  double far_target = 0;
  double tar = 0;
  double far = 0;  ///< the FPR of the ROC point used
};

/// Everything the protocol computes. NaN where undefined (e.g. AUC without negatives).
struct VerificationReport {
  int64_t num_pairs = 0, num_same = 0, num_diff = 0;
  std::vector<FoldResult> folds;
  double accuracy_mean = 0, accuracy_std = 0;  ///< std: population (np.std)
  double far_target = 0;
  double val_mean = 0, val_std = 0, far_mean = 0;
  double auc = 0, eer = 0;
  std::vector<TarAtFar> tar_at_far;  ///< at kTarFars, over all pairs
  double threshold_at_far = 0;       ///< threshold_for_far over all pairs (for deployment)
  double val_at_threshold = 0;       ///< TAR over all pairs at threshold_at_far
  double far_at_threshold = 0;       ///< FAR over all pairs at threshold_at_far
  double fraction_beyond_grid = 0;   ///< share of pairs with dist >= threshold_max
  Roc roc;                           ///< over all pairs
};

/// The protocol on fixed distances (no subtract_mean): dist[i], same[i] for pair i in fold order.
/// Uses config.folds, threshold_max, threshold_step, far_target.
VerificationReport evaluate_distances(const std::vector<double>& dist, const std::vector<bool>& same,
                                      const EvalConfig& config);

/// Distances of all n pairs as seen by one fold, given that fold's training pair indices
/// (subtract_mean: the mean depends on the training folds).
using FoldDistanceFn = std::function<std::vector<double>(const std::vector<int64_t>& train_idx)>;

/// The general form: per-fold distances for the threshold searches and held-out scores, and
/// `all_dist` for the all-pairs metrics (ROC, AUC, EER, TAR@FAR, threshold_at_far).
VerificationReport evaluate_fold_distances(const FoldDistanceFn& fold_dist, const std::vector<double>& all_dist,
                                           const std::vector<bool>& same, const EvalConfig& config);

}  // namespace facenet::eval
