// The accuracy-over-time plot, drawn with OpenCV primitives like the ROC plot.
#include "facenet/eval/history.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "facenet/core/error.h"
#include "facenet/core/fs.h"

namespace facenet::eval {
namespace {

constexpr int kWidth = 760, kHeight = 520;
constexpr int kLeft = 70, kRight = 30, kTop = 50, kBottom = 60;

void text(cv::Mat& img, const std::string& s, cv::Point at, double scale = 0.45, cv::Scalar color = {0, 0, 0}) {
  cv::putText(img, s, at, cv::FONT_HERSHEY_SIMPLEX, scale, color, 1, cv::LINE_AA);
}

}  // namespace

std::string history_csv(const std::vector<HistoryPoint>& points) {
  const bool sets = std::any_of(points.begin(), points.end(), [](const HistoryPoint& p) { return !p.set.empty(); });
  if (sets) {
    std::string out = "minutes,step,epoch,set,accuracy,accuracy_std,auc\n";
    for (const auto& p : points)
      out += fmt::format("{:.3f},{},{:.4f},{},{:.6f},{:.6f},{:.6f}\n", p.minutes, p.step, p.epoch, p.set, p.accuracy,
                         p.accuracy_std, p.auc);
    return out;
  }
  std::string out = "minutes,step,epoch,accuracy,accuracy_std,auc\n";
  for (const auto& p : points)
    out += fmt::format("{:.3f},{},{:.4f},{:.6f},{:.6f},{:.6f}\n", p.minutes, p.step, p.epoch, p.accuracy,
                       p.accuracy_std, p.auc);
  return out;
}

void write_history_png(const std::string& path, const std::vector<HistoryPoint>& points, const std::string& title) {
  cv::Mat img(kHeight, kWidth, CV_8UC3, cv::Scalar(255, 255, 255));
  double max_min = 1.0;
  double lo = 0.5;
  for (const auto& p : points) {
    max_min = std::max(max_min, p.minutes);
    lo = std::min({lo, p.accuracy, p.auc});
  }
  lo = std::max(0.0, std::floor(lo * 10) / 10);
  // A "nice" minute step giving 5-10 ticks.
  double step = 1;
  for (double s : {1.0, 2.0, 5.0, 10.0, 15.0, 30.0, 60.0, 120.0})
    if (max_min / s <= 10) {
      step = s;
      break;
    }
  max_min = std::ceil(max_min / step) * step;
  const double w = kWidth - kLeft - kRight, h = kHeight - kTop - kBottom;
  const auto px = [&](double minutes, double value) {
    return cv::Point(static_cast<int>(std::lround(kLeft + minutes / max_min * w)),
                     static_cast<int>(std::lround(kTop + (1 - (value - lo) / (1 - lo)) * h)));
  };
  const cv::Scalar grid(225, 225, 225), axis(0, 0, 0);
  for (double m = 0; m <= max_min + 1e-9; m += step) {
    cv::line(img, px(m, lo), px(m, 1), grid, 1);
    text(img, fmt::format("{:g}", m), px(m, lo) + cv::Point(-8, 20));
  }
  for (double v = lo; v <= 1 + 1e-9; v += 0.05) {
    cv::line(img, px(0, v), px(max_min, v), grid, 1);
    text(img, fmt::format("{:.2f}", v), px(0, v) + cv::Point(-42, 5));
  }
  cv::rectangle(img, px(0, 1), px(max_min, lo), axis, 1);
  text(img, "training minutes (wall clock)", {kLeft + static_cast<int>(w) / 2 - 110, kHeight - 18}, 0.55);
  text(img, title, {kLeft, 30}, 0.55);

  const bool sets = std::any_of(points.begin(), points.end(), [](const HistoryPoint& p) { return !p.set.empty(); });
  if (sets) {
    std::vector<std::string> names;
    for (const auto& p : points)
      if (std::find(names.begin(), names.end(), p.set) == names.end()) names.push_back(p.set);
    static const cv::Scalar colors[] = {{200, 90, 20}, {0, 140, 0}, {30, 30, 200}, {160, 40, 160}, {0, 150, 200},
                                        {90, 90, 90}};
    std::vector<std::string> labels;
    int baseline = 0, legend_width = 0;
    for (const auto& name : names) {
      double last = 0;
      for (const auto& p : points)
        if (p.set == name) last = p.accuracy;
      labels.push_back(fmt::format("{} (last {:.4f})", name, last));
      legend_width =
          std::max(legend_width, 28 + cv::getTextSize(labels.back(), cv::FONT_HERSHEY_SIMPLEX, 0.45, 1, &baseline).width);
    }
    for (std::size_t k = 0; k < names.size(); ++k) {
      const auto color = colors[k % (sizeof(colors) / sizeof(colors[0]))];
      std::vector<cv::Point> line;
      for (const auto& p : points)
        if (p.set == names[k]) line.push_back(px(p.minutes, p.accuracy));
      if (line.size() >= 2) cv::polylines(img, line, false, color, 2, cv::LINE_AA);
      for (const auto& q : line) cv::circle(img, q, 3, color, -1, cv::LINE_AA);
      const cv::Point legend(kWidth - kRight - 10 - legend_width, kTop + 20 + 20 * static_cast<int>(k));
      cv::line(img, legend + cv::Point(0, -4), legend + cv::Point(20, -4), color, 2, cv::LINE_AA);
      text(img, labels[k], legend + cv::Point(28, 0));
    }
    std::vector<uchar> png;
    if (!cv::imencode(".png", img, png)) throw Error("cannot encode history plot for '" + path + "'");
    write_file_atomic(path, std::string(png.begin(), png.end()));
    return;
  }

  const std::string last = points.empty() ? "" : fmt::format(" (last {:.4f})", points.back().accuracy);
  const std::string accuracy_label = "held-out accuracy" + last;
  // The legend sits inside the plot's top-right corner, as wide as its longest label.
  int baseline = 0;
  const int legend_width = 28 + cv::getTextSize(accuracy_label, cv::FONT_HERSHEY_SIMPLEX, 0.45, 1, &baseline).width;
  const auto series = [&](double HistoryPoint::*field, const cv::Scalar& color, const std::string& label, int row) {
    std::vector<cv::Point> line;
    for (const auto& p : points) line.push_back(px(p.minutes, p.*field));
    if (line.size() >= 2) cv::polylines(img, line, false, color, 2, cv::LINE_AA);
    for (const auto& q : line) cv::circle(img, q, 3, color, -1, cv::LINE_AA);
    const cv::Point legend(kWidth - kRight - 10 - legend_width, kTop + 20 + 20 * row);
    cv::line(img, legend + cv::Point(0, -4), legend + cv::Point(20, -4), color, 2, cv::LINE_AA);
    text(img, label, legend + cv::Point(28, 0));
  };
  series(&HistoryPoint::accuracy, cv::Scalar(200, 90, 20), accuracy_label, 0);
  series(&HistoryPoint::auc, cv::Scalar(0, 140, 0), "AUC", 1);

  std::vector<uchar> png;
  if (!cv::imencode(".png", img, png)) throw Error("cannot encode history plot for '" + path + "'");
  write_file_atomic(path, std::string(png.begin(), png.end()));
}

}  // namespace facenet::eval
