#include "facenet/eval/verification.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "facenet/core/error.h"

namespace facenet::eval {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Sorted distances of the same and different pairs among `idx`: counting "dist < t" becomes a
// binary search, so a 4000-threshold grid over 5400 pairs costs milliseconds.
struct SortedSplit {
  std::vector<double> same, diff;
  SortedSplit(const std::vector<double>& dist, const std::vector<bool>& labels, const std::vector<int64_t>& idx) {
    for (auto i : idx) (labels[static_cast<std::size_t>(i)] ? same : diff).push_back(dist[static_cast<std::size_t>(i)]);
    std::sort(same.begin(), same.end());
    std::sort(diff.begin(), diff.end());
  }
  static int64_t below(const std::vector<double>& v, double t) {
    return std::lower_bound(v.begin(), v.end(), t) - v.begin();
  }
};

double mean(const std::vector<double>& v) {
  return v.empty() ? kNaN : std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
}

double population_std(const std::vector<double>& v) {
  const double m = mean(v);
  double s = 0;
  for (double x : v) s += (x - m) * (x - m);
  return v.empty() ? kNaN : std::sqrt(s / static_cast<double>(v.size()));
}

std::vector<int64_t> range_indices(int64_t begin, int64_t end) {
  std::vector<int64_t> idx(static_cast<std::size_t>(end - begin));
  std::iota(idx.begin(), idx.end(), begin);
  return idx;
}

}  // namespace

double Confusion::accuracy() const {
  const int64_t n = tp + fp + tn + fn;
  return n == 0 ? kNaN : static_cast<double>(tp + tn) / static_cast<double>(n);
}
double Confusion::tpr() const { return tp + fn == 0 ? 0.0 : static_cast<double>(tp) / static_cast<double>(tp + fn); }
double Confusion::fpr() const { return fp + tn == 0 ? 0.0 : static_cast<double>(fp) / static_cast<double>(fp + tn); }

std::vector<FoldRange> kfold_ranges(int64_t n, int64_t k) {
  if (k < 2) throw ConfigError("eval.folds (" + std::to_string(k) + ") must be >= 2");
  if (n < k)
    throw Error("cannot split " + std::to_string(n) + " pairs into " + std::to_string(k) +
                " folds (eval.folds); need at least one pair per fold");
  std::vector<FoldRange> folds;
  int64_t begin = 0;
  for (int64_t f = 0; f < k; ++f) {
    const int64_t size = n / k + (f < n % k ? 1 : 0);
    folds.push_back({begin, begin + size});
    begin += size;
  }
  return folds;
}

std::vector<double> threshold_grid(double max, double step) {
  if (!(step > 0) || !(max > 0)) throw ConfigError("threshold grid needs max > 0 and step > 0");
  const auto n = static_cast<int64_t>(std::ceil(max / step));
  std::vector<double> grid(static_cast<std::size_t>(n));
  for (int64_t i = 0; i < n; ++i) grid[static_cast<std::size_t>(i)] = static_cast<double>(i) * step;
  return grid;
}

std::vector<int64_t> train_indices(int64_t n, const FoldRange& fold) {
  std::vector<int64_t> idx;
  idx.reserve(static_cast<std::size_t>(n - (fold.end - fold.begin)));
  for (int64_t i = 0; i < n; ++i)
    if (i < fold.begin || i >= fold.end) idx.push_back(i);
  return idx;
}

Confusion confusion_at(const std::vector<double>& dist, const std::vector<bool>& same,
                       const std::vector<int64_t>& idx, double threshold) {
  Confusion c;
  for (auto i : idx) {
    const bool predicted = dist[static_cast<std::size_t>(i)] < threshold;
    const bool actual = same[static_cast<std::size_t>(i)];
    if (predicted && actual) ++c.tp;
    else if (predicted) ++c.fp;
    else if (actual) ++c.fn;
    else ++c.tn;
  }
  return c;
}

int64_t best_accuracy_threshold(const std::vector<double>& dist, const std::vector<bool>& same,
                                const std::vector<int64_t>& idx, const std::vector<double>& grid) {
  const SortedSplit s(dist, same, idx);
  const auto num_diff = static_cast<int64_t>(s.diff.size());
  int64_t best = 0, best_correct = -1;
  for (std::size_t t = 0; t < grid.size(); ++t) {
    // correct = true accepts + true rejects; comparing counts is np.argmax on the accuracies.
    const int64_t correct = SortedSplit::below(s.same, grid[t]) + num_diff - SortedSplit::below(s.diff, grid[t]);
    if (correct > best_correct) best_correct = correct, best = static_cast<int64_t>(t);
  }
  return best;
}

double threshold_for_far(const std::vector<double>& dist, const std::vector<bool>& same,
                         const std::vector<int64_t>& idx, const std::vector<double>& grid, double far_target) {
  const SortedSplit s(dist, same, idx);
  if (s.diff.empty() || grid.empty()) return 0.0;  // FAR undefined: davidsandberg divides by zero
  const auto n_diff = static_cast<double>(s.diff.size());
  std::vector<double> far(grid.size());
  for (std::size_t t = 0; t < grid.size(); ++t) far[t] = static_cast<double>(SortedSplit::below(s.diff, grid[t])) / n_diff;
  if (far.back() < far_target) return 0.0;  // unreachable on this grid
  if (far.back() == far_target)
    return grid[static_cast<std::size_t>(std::lower_bound(far.begin(), far.end(), far_target) - far.begin())];
  // far is non-decreasing; j = first index with FAR > target, b = j - 1.
  const auto j = static_cast<std::size_t>(std::upper_bound(far.begin(), far.end(), far_target) - far.begin());
  if (j == 0) return grid[0];  // below the grid's first FAR: scipy would raise; cannot happen with grid[0]=0
  const std::size_t b = j - 1;
  if (far[b] == far_target) return grid[b];
  return grid[b] + (far_target - far[b]) * (grid[j] - grid[b]) / (far[j] - far[b]);
}

Roc roc_curve(const std::vector<double>& dist, const std::vector<bool>& same) {
  std::vector<std::size_t> order(dist.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return dist[a] < dist[b]; });
  const auto num_same = static_cast<double>(std::count(same.begin(), same.end(), true));
  const double num_diff = static_cast<double>(same.size()) - num_same;
  Roc roc;
  roc.fpr.push_back(0.0), roc.tpr.push_back(0.0);
  roc.thresholds.push_back(-std::numeric_limits<double>::infinity());
  double tp = 0, fp = 0;
  for (std::size_t k = 0; k < order.size(); ++k) {
    (same[order[k]] ? tp : fp) += 1;
    // One point per distinct distance: ties are accepted together (sklearn's ties).
    if (k + 1 < order.size() && dist[order[k + 1]] == dist[order[k]]) continue;
    roc.fpr.push_back(num_diff > 0 ? fp / num_diff : kNaN);
    roc.tpr.push_back(num_same > 0 ? tp / num_same : kNaN);
    roc.thresholds.push_back(dist[order[k]]);
  }
  return roc;
}

double roc_auc(const Roc& roc) {
  double area = 0;
  for (std::size_t i = 1; i < roc.fpr.size(); ++i)
    area += (roc.fpr[i] - roc.fpr[i - 1]) * (roc.tpr[i] + roc.tpr[i - 1]) / 2;
  return area;  // NaN propagates when a class is absent
}

double roc_eer(const Roc& roc) {
  // h = fpr + tpr - 1 never decreases along the ROC; find the segment where it reaches 0.
  for (std::size_t i = 1; i < roc.fpr.size(); ++i) {
    const double h0 = roc.fpr[i - 1] + roc.tpr[i - 1] - 1, h1 = roc.fpr[i] + roc.tpr[i] - 1;
    if (h0 <= 0 && h1 >= 0) {
      if (h1 == h0) return roc.fpr[i - 1];
      const double t = -h0 / (h1 - h0);
      return roc.fpr[i - 1] + t * (roc.fpr[i] - roc.fpr[i - 1]);
    }
  }
  return kNaN;
}

double roc_tar_at_far(const Roc& roc, double far, double* far_at) {
  double tar = 0, at = 0;
  for (std::size_t i = 0; i < roc.fpr.size(); ++i)
    if (roc.fpr[i] <= far && roc.tpr[i] >= tar) tar = roc.tpr[i], at = roc.fpr[i];
  if (far_at) *far_at = at;
  return tar;
}

VerificationReport evaluate_distances(const std::vector<double>& dist, const std::vector<bool>& same,
                                      const EvalConfig& config) {
  return evaluate_fold_distances([&](const std::vector<int64_t>&) { return dist; }, dist, same, config);
}

VerificationReport evaluate_fold_distances(const FoldDistanceFn& fold_dist, const std::vector<double>& all_dist,
                                           const std::vector<bool>& same, const EvalConfig& config) {
  if (all_dist.size() != same.size())
    throw Error("evaluate: " + std::to_string(all_dist.size()) + " distances for " + std::to_string(same.size()) +
                " labels");
  const auto n = static_cast<int64_t>(same.size());
  const auto grid = threshold_grid(config.threshold_max, config.threshold_step);
  const auto val_grid = threshold_grid(config.threshold_max, kValThresholdStep);

  VerificationReport r;
  r.num_pairs = n;
  r.num_same = std::count(same.begin(), same.end(), true);
  r.num_diff = n - r.num_same;
  r.far_target = config.far_target;

  std::vector<double> accuracies, vals, fars;
  for (const auto& range : kfold_ranges(n, config.folds)) {
    const auto train = train_indices(n, range);
    const auto test = range_indices(range.begin, range.end);
    const auto dist = fold_dist(train);
    if (dist.size() != same.size()) throw Error("evaluate: fold distances have the wrong length");
    FoldResult f;
    f.range = range;
    f.threshold = grid[static_cast<std::size_t>(best_accuracy_threshold(dist, same, train, grid))];
    f.train_accuracy = confusion_at(dist, same, train, f.threshold).accuracy();
    f.accuracy = confusion_at(dist, same, test, f.threshold).accuracy();
    f.val_threshold = threshold_for_far(dist, same, train, val_grid, config.far_target);
    const auto c = confusion_at(dist, same, test, f.val_threshold);
    f.val = c.tpr(), f.far = c.fpr();
    accuracies.push_back(f.accuracy), vals.push_back(f.val), fars.push_back(f.far);
    r.folds.push_back(f);
  }
  r.accuracy_mean = mean(accuracies), r.accuracy_std = population_std(accuracies);
  r.val_mean = mean(vals), r.val_std = population_std(vals), r.far_mean = mean(fars);

  r.roc = roc_curve(all_dist, same);
  r.auc = roc_auc(r.roc);
  r.eer = roc_eer(r.roc);
  for (double far : kTarFars) {
    TarAtFar t;
    t.far_target = far;
    t.tar = roc_tar_at_far(r.roc, far, &t.far);
    r.tar_at_far.push_back(t);
  }
  const auto all = range_indices(0, n);
  r.threshold_at_far = threshold_for_far(all_dist, same, all, val_grid, config.far_target);
  const auto c = confusion_at(all_dist, same, all, r.threshold_at_far);
  r.val_at_threshold = c.tpr(), r.far_at_threshold = c.fpr();

  const auto beyond = std::count_if(all_dist.begin(), all_dist.end(), [&](double d) { return !(d < config.threshold_max); });
  r.fraction_beyond_grid = n ? static_cast<double>(beyond) / static_cast<double>(n) : 0.0;
  if (r.fraction_beyond_grid > 0.01)
    spdlog::warn("[eval] {:.1f}% of pair distances are >= eval.threshold_max ({}); the threshold grid may be "
                 "too short for this distance/flip mode",
                 100 * r.fraction_beyond_grid, config.threshold_max);
  return r;
}

}  // namespace facenet::eval
