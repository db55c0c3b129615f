// The ROC curve PNG, drawn with OpenCV primitives only.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "facenet/core/error.h"
#include "facenet/core/fs.h"
#include "facenet/eval/report.h"

namespace facenet::eval {
namespace {

constexpr int kWidth = 720, kHeight = 640;
constexpr int kLeft = 80, kRight = 30, kTop = 50, kBottom = 70;
constexpr double kLogMin = 1e-4;  // the log axis spans 1e-4 .. 1

struct Axes {
  bool log_fpr;
  cv::Point2d to_pixel(double fpr, double tpr) const {
    double x01 = log_fpr ? (std::log10(std::max(fpr, kLogMin)) - std::log10(kLogMin)) / -std::log10(kLogMin) : fpr;
    const double w = kWidth - kLeft - kRight, h = kHeight - kTop - kBottom;
    return {kLeft + x01 * w, kTop + (1 - tpr) * h};
  }
  cv::Point px(double fpr, double tpr) const {
    const auto p = to_pixel(fpr, tpr);
    return {static_cast<int>(std::lround(p.x)), static_cast<int>(std::lround(p.y))};
  }
};

void text(cv::Mat& img, const std::string& s, cv::Point at, double scale = 0.45, cv::Scalar color = {0, 0, 0}) {
  cv::putText(img, s, at, cv::FONT_HERSHEY_SIMPLEX, scale, color, 1, cv::LINE_AA);
}

}  // namespace

void write_roc_png(const std::string& path, const VerificationReport& m, bool log_fpr) {
  cv::Mat img(kHeight, kWidth, CV_8UC3, cv::Scalar(255, 255, 255));
  const Axes axes{log_fpr};
  const cv::Scalar grid(225, 225, 225), axis(0, 0, 0);

  // Grid and tick labels.
  std::vector<double> xticks;
  if (log_fpr)
    xticks = {1e-4, 1e-3, 1e-2, 1e-1, 1.0};
  else
    for (int i = 0; i <= 10; i += 2) xticks.push_back(i / 10.0);
  for (double x : xticks) {
    cv::line(img, axes.px(x, 0), axes.px(x, 1), grid, 1);
    text(img, log_fpr ? fmt::format("{:g}", x) : fmt::format("{:.1f}", x), axes.px(x, 0) + cv::Point(-14, 20));
  }
  for (int i = 0; i <= 10; i += 2) {
    const double y = i / 10.0;
    cv::line(img, axes.px(log_fpr ? kLogMin : 0, y), axes.px(1, y), grid, 1);
    text(img, fmt::format("{:.1f}", y), axes.px(log_fpr ? kLogMin : 0, y) + cv::Point(-36, 5));
  }
  cv::rectangle(img, axes.px(log_fpr ? kLogMin : 0, 1), axes.px(1, 0), axis, 1);
  if (!log_fpr) cv::line(img, axes.px(0, 1), axes.px(1, 0), cv::Scalar(180, 180, 180), 1, cv::LINE_AA);  // EER line
  text(img, log_fpr ? "False accept rate (FPR, log scale)" : "False accept rate (FPR)",
       {kLeft + 170, kHeight - 22}, 0.55);
  text(img, "TPR", {18, kTop + (kHeight - kTop - kBottom) / 2}, 0.55);
  text(img, fmt::format("ROC: {} pairs, AUC {:.4f}, EER {:.4f}, accuracy {:.4f}", m.num_pairs, m.auc, m.eer,
                        m.accuracy_mean),
       {kLeft, 30}, 0.55);

  // The curve (a step per distinct distance; consecutive equal pixels are skipped).
  std::vector<cv::Point> curve;
  for (std::size_t i = 0; i < m.roc.fpr.size(); ++i) {
    if (std::isnan(m.roc.fpr[i]) || std::isnan(m.roc.tpr[i])) continue;
    const auto p = axes.px(m.roc.fpr[i], m.roc.tpr[i]);
    if (curve.empty() || curve.back() != p) curve.push_back(p);
  }
  if (curve.size() >= 2) cv::polylines(img, curve, false, cv::Scalar(200, 90, 20), 2, cv::LINE_AA);

  // Operating points.
  int legend_y = kTop + 20;
  const auto mark = [&](double fpr, double tpr, const cv::Scalar& color, const std::string& label) {
    if (std::isnan(fpr) || std::isnan(tpr)) return;
    cv::circle(img, axes.px(fpr, tpr), 5, color, 2, cv::LINE_AA);
    cv::circle(img, {kWidth - kRight - 250, legend_y - 4}, 5, color, 2, cv::LINE_AA);
    text(img, label, {kWidth - kRight - 238, legend_y});
    legend_y += 20;
  };
  mark(m.eer, 1 - m.eer, cv::Scalar(0, 0, 220), fmt::format("EER {:.4f}", m.eer));
  const cv::Scalar tar_colors[] = {{0, 140, 0}, {160, 0, 160}, {0, 120, 200}};
  for (std::size_t i = 0; i < m.tar_at_far.size(); ++i)
    mark(m.tar_at_far[i].far, m.tar_at_far[i].tar, tar_colors[i % 3],
         fmt::format("TAR {:.4f} @ FAR {:g}", m.tar_at_far[i].tar, m.tar_at_far[i].far_target));
  mark(m.far_at_threshold, m.val_at_threshold, cv::Scalar(40, 40, 40),
       fmt::format("thr {:.3f}: TAR {:.4f} FAR {:.4f}", m.threshold_at_far, m.val_at_threshold, m.far_at_threshold));

  std::vector<uchar> png;
  if (!cv::imencode(".png", img, png)) throw Error("cannot encode ROC plot for '" + path + "'");
  write_file_atomic(path, std::string(png.begin(), png.end()));
}

}  // namespace facenet::eval
