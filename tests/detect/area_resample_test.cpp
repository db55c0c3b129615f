// MTCNN's own area resampling against LibTorch's adaptive_avg_pool2d (what facenet-pytorch's
// interpolate(mode="area") runs): equal bit for bit, after the normalisation, for shrinking,
// growing and odd sizes and for a region inside a larger image.
#include "../../src/detect/area_resample.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <opencv2/core.hpp>

using namespace facenet::detect;

namespace {

void expect_like_torch(const cv::Mat& rgb, const cv::Rect& region, int out_h, int out_w) {
  std::vector<float> ours(static_cast<size_t>(out_h) * out_w * 3);
  area_resample_normalised(rgb, region, out_h, out_w, ours.data());
  const cv::Mat part = rgb(region).clone();
  const auto input = torch::from_blob(part.data, {1, part.rows, part.cols, 3}, torch::kUInt8).permute({0, 3, 1, 2}).to(torch::kFloat);
  const auto want = ((torch::adaptive_avg_pool2d(input, {out_h, out_w}) - 127.5) * 0.0078125).permute({0, 2, 3, 1}).contiguous();
  const float* w = want.data_ptr<float>();
  for (size_t i = 0; i < ours.size(); ++i)
    ASSERT_EQ(ours[i], w[i]) << region << " -> " << out_h << "x" << out_w << " value " << i;
}

}  // namespace

TEST(AreaResample, EqualsLibTorchsAdaptiveAveragePoolingBitForBit) {
  cv::Mat rgb(311, 457, CV_8UC3);
  cv::randu(rgb, cv::Scalar::all(0), cv::Scalar::all(256));
  expect_like_torch(rgb, cv::Rect(0, 0, 457, 311), 187, 275);  // a pyramid level (0.6)
  expect_like_torch(rgb, cv::Rect(0, 0, 457, 311), 16, 23);
  expect_like_torch(rgb, cv::Rect(13, 40, 97, 61), 24, 24);     // a crop to R-Net's input
  expect_like_torch(rgb, cv::Rect(300, 200, 17, 9), 48, 48);    // growing
  expect_like_torch(rgb, cv::Rect(5, 5, 1, 1), 24, 24);
  cv::Mat big(2300, 3100, CV_8UC3);
  cv::randu(big, cv::Scalar::all(0), cv::Scalar::all(256));
  expect_like_torch(big, cv::Rect(0, 0, 3100, 2300), 1381, 1861);  // large: LibTorch's float bin edges
}
