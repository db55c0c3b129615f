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

TEST(History, SetsGetASetColumnAndOneLineEach) {
  std::vector<HistoryPoint> points{{1.0, 10, 1.0, 0.9, 0.01, 0.95, "lfw"},
                                   {1.0, 10, 1.0, 0.7, 0.02, 0.75, "cfp_fp"},
                                   {2.0, 20, 2.0, 0.92, 0.01, 0.96, "lfw"},
                                   {2.0, 20, 2.0, 0.74, 0.02, 0.78, "cfp_fp"}};
  const auto csv = facenet::eval::history_csv(points);
  EXPECT_EQ(csv.substr(0, csv.find('\n')), "minutes,step,epoch,set,accuracy,accuracy_std,auc");
  EXPECT_NE(csv.find("1.000,10,1.0000,cfp_fp,0.700000,0.020000,0.750000\n"), std::string::npos) << csv;
  const auto path = (std::filesystem::temp_directory_path() / "facenet_history_sets_test.png").string();
  facenet::eval::write_history_png(path, points, "sets");
  const cv::Mat img = cv::imread(path);
  std::filesystem::remove(path);
  ASSERT_FALSE(img.empty());
  // Each set's colour (BGR): the first (200, 90, 20), the second (0, 140, 0).
  int first = 0, second = 0;
  for (int y = 0; y < img.rows; ++y)
    for (int x = 0; x < img.cols; ++x) {
      const auto p = img.at<cv::Vec3b>(y, x);
      first += p == cv::Vec3b(200, 90, 20);
      second += p == cv::Vec3b(0, 140, 0);
    }
  EXPECT_GT(first, 50);
  EXPECT_GT(second, 50);
}
