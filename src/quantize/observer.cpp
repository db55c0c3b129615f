#include "facenet/quantize/observer.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "facenet/core/error.h"

namespace facenet::quantize {

QParams activation_qparams(double lo, double hi) {
  lo = std::min(lo, 0.0);
  hi = std::max(hi, 0.0);
  if (!(hi > lo)) return {1.0, 0};
  const double scale = (hi - lo) / 255.0;
  const auto zp = static_cast<int64_t>(std::nearbyint(-lo / scale));
  return {scale, std::clamp<int64_t>(zp, 0, 255)};
}

torch::Tensor weight_scales(const torch::Tensor& weight) {
  auto amax = weight.detach().to(torch::kDouble).abs().reshape({weight.size(0), -1}).amax(1);
  return torch::where(amax > 0, amax / 127.5, torch::ones_like(amax));
}

std::string to_string(ObserverKind kind) { return kind == ObserverKind::MinMax ? "minmax" : "histogram"; }

ObserverKind observer_kind(const std::string& name, const std::string& key) {
  if (name == "minmax") return ObserverKind::MinMax;
  if (name == "histogram") return ObserverKind::Histogram;
  throw ConfigError(key + ": unknown observer '" + name + "' (minmax | histogram)");
}

namespace {

class MinMaxObserver : public Observer {
 public:
  void observe(const torch::Tensor& x) override {
    if (x.numel() == 0) return;
    const auto [mn, mx] = torch::aminmax(x.detach().to(torch::kFloat));
    lo_ = seen_ ? std::min(lo_, mn.item<double>()) : mn.item<double>();
    hi_ = seen_ ? std::max(hi_, mx.item<double>()) : mx.item<double>();
    seen_ = true;
  }
  std::pair<double, double> range() const override { return seen_ ? std::make_pair(lo_, hi_) : std::make_pair(0.0, 0.0); }

 private:
  bool seen_ = false;
  double lo_ = 0, hi_ = 0;
};

// Percentile clipping from a histogram: one pass over the calibration data, memory of `bins`
// counts per observed value. Rare outliers (a few saturated pixels' activations) no longer set
// the step of every other value, which is what costs min-max accuracy on deep layers.
class HistogramObserver : public Observer {
 public:
  HistogramObserver(int64_t bins, double keep) : counts_(static_cast<size_t>(bins), 0.0), keep_(keep) {}

  void observe(const torch::Tensor& x) override {
    if (x.numel() == 0) return;
    auto v = x.detach().to(torch::kFloat).reshape({-1});
    const auto [mn_t, mx_t] = torch::aminmax(v);
    const double mn = mn_t.item<double>(), mx = mx_t.item<double>();
    if (!seen_) {
      lo_ = mn;
      hi_ = mx > mn ? mx : mn + 1e-12;
      seen_ = true;
    } else if (mn < lo_ || mx > hi_) {
      widen(std::min(mn, lo_), std::max(mx, hi_));
    }
    auto h = torch::histc(v, static_cast<int64_t>(counts_.size()), lo_, hi_).to(torch::kDouble).contiguous();
    const double* p = h.data_ptr<double>();
    for (size_t i = 0; i < counts_.size(); ++i) counts_[i] += p[i];
  }

  std::pair<double, double> range() const override {
    if (!seen_) return {0.0, 0.0};
    double total = 0;
    for (double c : counts_) total += c;
    const double tail = total * (1 - keep_) / 2;
    return {quantile(tail, false), quantile(total - tail, true)};
  }

 private:
  double width() const { return (hi_ - lo_) / static_cast<double>(counts_.size()); }

  // Re-bins the counts onto [lo, hi]: each old bin's count goes to the new bin holding its centre.
  void widen(double lo, double hi) {
    std::vector<double> next(counts_.size(), 0.0);
    const double w = width(), nw = (hi - lo) / static_cast<double>(counts_.size());
    for (size_t i = 0; i < counts_.size(); ++i) {
      if (counts_[i] == 0) continue;
      const double centre = lo_ + (static_cast<double>(i) + 0.5) * w;
      auto j = static_cast<int64_t>((centre - lo) / nw);
      next[static_cast<size_t>(std::clamp<int64_t>(j, 0, static_cast<int64_t>(next.size()) - 1))] += counts_[i];
    }
    counts_ = std::move(next);
    lo_ = lo;
    hi_ = hi;
  }

  // The value below which `count` values lie (linear inside a bin); `upper` rounds up to the
  // top of the range when every value is counted.
  double quantile(double count, bool upper) const {
    double seen = 0;
    const double w = width();
    for (size_t i = 0; i < counts_.size(); ++i) {
      if (seen + counts_[i] >= count && counts_[i] > 0) {
        const double frac = std::clamp((count - seen) / counts_[i], 0.0, 1.0);
        return lo_ + (static_cast<double>(i) + frac) * w;
      }
      seen += counts_[i];
    }
    return upper ? hi_ : lo_;
  }

  std::vector<double> counts_;
  double keep_;
  bool seen_ = false;
  double lo_ = 0, hi_ = 0;
};

}  // namespace

std::unique_ptr<Observer> make_observer(ObserverKind kind, int64_t bins, double keep) {
  if (kind == ObserverKind::MinMax) return std::make_unique<MinMaxObserver>();
  return std::make_unique<HistogramObserver>(bins, keep);
}

}  // namespace facenet::quantize
