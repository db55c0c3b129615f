// The held-out accuracy history: its CSV and its plot.
#include <gtest/gtest.h>

#include <filesystem>
#include <opencv2/imgcodecs.hpp>

#include "facenet/eval/history.h"

using facenet::eval::HistoryPoint;

namespace {

std::vector<HistoryPoint> two_points() {
  return {{0.059, 0, 0.0, 0.573, 0.041964, 0.639828}, {25.07, 2273, 22.73, 0.803, 0.0344, 0.8818}};
}

}  // namespace

TEST(History, CsvHasTheHeaderAndOneRowPerEvaluation) {
  EXPECT_EQ(facenet::eval::history_csv(two_points()),
            "minutes,step,epoch,accuracy,accuracy_std,auc\n"
            "0.059,0,0.0000,0.573000,0.041964,0.639828\n"
            "25.070,2273,22.7300,0.803000,0.034400,0.881800\n");
}

TEST(History, PlotDrawsBothSeriesAndKeepsTheLegendInsideTheFrame) {
  const auto path = (std::filesystem::temp_directory_path() / "facenet_history_test.png").string();
  facenet::eval::write_history_png(path, two_points(), "held-out verification");
  const cv::Mat img = cv::imread(path);
  std::filesystem::remove(path);
  ASSERT_FALSE(img.empty());
  EXPECT_EQ(img.cols, 760);
  EXPECT_EQ(img.rows, 520);
  // Both series' colours appear (BGR): accuracy (200, 90, 20), AUC (0, 140, 0).
  int accuracy_px = 0, auc_px = 0;
  for (int y = 0; y < img.rows; ++y)
    for (int x = 0; x < img.cols; ++x) {
      const auto p = img.at<cv::Vec3b>(y, x);
      accuracy_px += p == cv::Vec3b(200, 90, 20);
      auc_px += p == cv::Vec3b(0, 140, 0);
    }
  EXPECT_GT(accuracy_px, 100);
  EXPECT_GT(auc_px, 100);
  // The legend ("held-out accuracy (last 0.8030)") ends left of the frame's right edge: the
  // 30-pixel right margin beside the legend rows holds no ink.
  for (int y = 50; y < 120; ++y)
    for (int x = 760 - 30 + 2; x < 760; ++x) {
      const auto p = img.at<cv::Vec3b>(y, x);
      ASSERT_TRUE(p[0] > 200 && p[1] > 200 && p[2] > 200) << "ink at (" << x << ", " << y << ")";
    }
}
