// Observers and quantisation parameters against hand-computed values.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "facenet/core/error.h"
#include "facenet/quantize/observer.h"

namespace facenet::quantize {
namespace {

TEST(ActivationQParams, RangeAcrossZero) {
  const auto q = activation_qparams(-1.0, 3.0);
  EXPECT_DOUBLE_EQ(q.scale, 4.0 / 255);
  EXPECT_EQ(q.zero_point, 64);  // round(1 / (4/255)) = round(63.75)
}

TEST(ActivationQParams, WidenedToHoldZero) {
  const auto pos = activation_qparams(0.5, 2.0);  // [0, 2]
  EXPECT_DOUBLE_EQ(pos.scale, 2.0 / 255);
  EXPECT_EQ(pos.zero_point, 0);
  const auto neg = activation_qparams(-2.0, -1.0);  // [-2, 0]
  EXPECT_DOUBLE_EQ(neg.scale, 2.0 / 255);
  EXPECT_EQ(neg.zero_point, 255);
  const auto flat = activation_qparams(0.0, 0.0);
  EXPECT_DOUBLE_EQ(flat.scale, 1.0);
  EXPECT_EQ(flat.zero_point, 0);
}

TEST(WeightScales, PerChannelSymmetric) {
  const auto w = torch::tensor({1.0f, -2.0f, 0.0f, 0.0f, 0.5f, 0.25f}).reshape({3, 2, 1, 1});
  const auto s = weight_scales(w);
  ASSERT_EQ(s.size(0), 3);
  EXPECT_DOUBLE_EQ(s[0].item<double>(), 2.0 / 127.5);
  EXPECT_DOUBLE_EQ(s[1].item<double>(), 1.0);  // an all-zero channel
  EXPECT_DOUBLE_EQ(s[2].item<double>(), 0.5 / 127.5);
}

TEST(MinMaxObserver, AccumulatesOverBatches) {
  auto o = make_observer(ObserverKind::MinMax);
  EXPECT_EQ(o->range(), std::make_pair(0.0, 0.0));
  o->observe(torch::tensor({1.0f, -3.0f}));
  o->observe(torch::tensor({5.0f, 0.0f}));
  EXPECT_EQ(o->range(), std::make_pair(-3.0, 5.0));
  const auto q = o->qparams();
  EXPECT_DOUBLE_EQ(q.scale, 8.0 / 255);
  EXPECT_EQ(q.zero_point, 96);  // round(3 / (8/255)) = round(95.625)
}

TEST(HistogramObserver, PercentileOfOneValuePerBin) {
  // 0..99 over 100 bins of width 0.99: one value per bin. Keeping 98% clips one value at each
  // end: the 1st value ends at the top of bin 0, the 99th at the top of bin 98.
  auto o = make_observer(ObserverKind::Histogram, 100, 0.98);
  o->observe(torch::arange(100, torch::kFloat));
  const auto [lo, hi] = o->range();
  EXPECT_NEAR(lo, 0.99, 1e-9);
  EXPECT_NEAR(hi, 98 * 0.99 + 0.99, 1e-9);
}

TEST(HistogramObserver, IgnoresARareOutlierThatMinMaxFollows) {
  torch::manual_seed(3);
  auto values = torch::rand({200000});
  values[7] = 1000.0f;
  auto mm = make_observer(ObserverKind::MinMax);
  auto hist = make_observer(ObserverKind::Histogram);
  // Two batches, the outlier in the second, so the histogram is also re-binned once.
  mm->observe(values.slice(0, 0, 100000).slice(0, 8));
  hist->observe(values.slice(0, 0, 100000).slice(0, 8));
  mm->observe(values.slice(0, 0, 8));
  hist->observe(values.slice(0, 0, 8));
  mm->observe(values.slice(0, 100000));
  hist->observe(values.slice(0, 100000));
  EXPECT_DOUBLE_EQ(mm->range().second, 1000.0);
  EXPECT_LT(hist->range().second, 1.5);  // one bin of the widened range (1000 / 2048) above 1
  EXPECT_GT(hist->range().second, 0.99);
}

TEST(ObserverKind, Names) {
  EXPECT_EQ(observer_kind("minmax", "--observer"), ObserverKind::MinMax);
  EXPECT_EQ(observer_kind("histogram", "--observer"), ObserverKind::Histogram);
  try {
    observer_kind("entropy", "--observer");
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("--observer: unknown observer 'entropy'"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace facenet::quantize
