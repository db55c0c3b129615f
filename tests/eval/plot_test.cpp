// The plotting module every evaluation PNG goes through: axes map values to the pixels the
// layout gives, series and markers are drawn in their colours, labels stay inside the image.
#include "facenet/eval/plot.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <limits>
#include <opencv2/imgcodecs.hpp>

#include "facenet/core/error.h"

using namespace facenet;
using namespace facenet::eval;
namespace fs = std::filesystem;

namespace {

std::string temp_png(const std::string& name) {
  return (fs::temp_directory_path() / ("facenet_plot_" + name + "_" + std::to_string(::getpid()) + ".png")).string();
}

int count(const cv::Mat& img, const Bgr& c, cv::Rect where) {
  int n = 0;
  for (int y = where.y; y < where.y + where.height; ++y)
    for (int x = where.x; x < where.x + where.width; ++x) n += img.at<cv::Vec3b>(y, x) == cv::Vec3b(c.b, c.g, c.r);
  return n;
}

}  // namespace

TEST(Plot, LinearAndLogAxesPutPointsWhereTheLayoutSays) {
  // Plot area: x 100..500, y 50..350 (600 x 400 image, margins 100/100/50/50).
  const PlotLayout layout{600, 400, 100, 100, 50, 50};
  const Bgr red{0, 0, 255};
  const auto path = temp_png("axes");
  {
    Plot plot(layout, "", {0, 4, false, {0, 2, 4}, ""}, {1e-2, 1, true, {1e-2, 1e-1, 1}, ""});
    // x 1 -> 100 + 400/4 = 200; y 0.1 is half way up the log axis -> 350 - 150 = 200. A non-finite
    // point is skipped; one below the log floor is drawn on it (x 3 -> 400, y 350).
    plot.add(PlotSeries{"", red, {{1, 0.1}, {std::nan(""), 0.5}}, 1, 3});
    plot.add(PlotSeries{"", {255, 0, 0}, {{3, 1e-9}}, 1, 3});
    plot.write_png(path);
  }
  const auto img = cv::imread(path);
  fs::remove(path);
  ASSERT_EQ(img.cols, 600);
  ASSERT_EQ(img.rows, 400);
  EXPECT_GT(count(img, red, {197, 197, 7, 7}), 10);
  EXPECT_EQ(count(img, red, {0, 0, 600, 400}), count(img, red, {195, 195, 11, 11}));  // only that dot
  EXPECT_GT(count(img, {255, 0, 0}, {397, 347, 7, 7}), 10);
}

TEST(Plot, LegendAndBesideLabelsStayInsideTheImage) {
  const auto path = temp_png("legend");
  const Bgr green{0, 140, 0}, red{0, 0, 220};
  {
    Plot plot({}, "a title somewhat wider than the plot, set in smaller type to fit",
              {0, 1, false, {0, 1}, "x"}, {0, 1, false, {0, 1}, "y"});
    plot.add(PlotSeries{"a rather long legend label for the series", green, {{0, 0}, {0.5, 0.5}}});
    plot.add(PlotMarker{{0.99, 0.5}, red, "a label right of the point would be cut", true});
    plot.write_png(path);
  }
  const auto img = cv::imread(path);
  fs::remove(path);
  ASSERT_EQ(img.cols, 720);
  // The legend's line sample sits inside the plot (right edge 690) and the right margin is bare.
  EXPECT_GT(count(img, green, {80, 60, 610, 12}), 10);
  for (int y = 0; y < img.rows; ++y)
    for (int x = 690 + 2; x < img.cols; ++x) {
      const auto p = img.at<cv::Vec3b>(y, x);
      ASSERT_TRUE(p[0] > 200 && p[1] > 200 && p[2] > 200) << "ink at (" << x << ", " << y << ")";
    }
}

TEST(Plot, UnwritablePathIsAnErrorNamingIt) {
  Plot plot({}, "", {}, {});
  try {
    plot.write_png("/no/such/dir/plot.xyz");
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("/no/such/dir/plot.xyz"), std::string::npos) << e.what();
  }
}
