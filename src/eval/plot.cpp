#include "facenet/eval/plot.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include "facenet/data/image_io.h"

namespace facenet::eval {
namespace {

constexpr int kFont = cv::FONT_HERSHEY_SIMPLEX;
constexpr double kTickScale = 0.45, kLabelScale = 0.55;
const cv::Scalar kInk(0, 0, 0), kGrid(225, 225, 225);

cv::Scalar scalar(const Bgr& c) { return {double(c.b), double(c.g), double(c.r)}; }

cv::Size text_size(const std::string& s, double scale) {
  int baseline = 0;
  return cv::getTextSize(s, kFont, scale, 1, &baseline);
}

void text(cv::Mat& img, const std::string& s, cv::Point at, double scale = kTickScale) {
  cv::putText(img, s, at, kFont, scale, kInk, 1, cv::LINE_AA);
}

/// `s` turned a quarter counter-clockwise, its top-left corner at `at` (the y-axis label).
void vertical_text(cv::Mat& img, const std::string& s, cv::Point at, double scale) {
  int baseline = 0;
  const auto size = cv::getTextSize(s, kFont, scale, 1, &baseline);
  cv::Mat strip(size.height + baseline + 2, size.width + 2, CV_8UC3, cv::Scalar(255, 255, 255)), turned;
  cv::putText(strip, s, {1, size.height + 1}, kFont, scale, kInk, 1, cv::LINE_AA);
  cv::rotate(strip, turned, cv::ROTATE_90_COUNTERCLOCKWISE);
  const cv::Rect where = cv::Rect(at, turned.size()) & cv::Rect(0, 0, img.cols, img.rows);
  if (where.area() <= 0) return;
  cv::Mat target = img(where);
  cv::min(target, turned(cv::Rect(0, 0, where.width, where.height)), target);  // ink over the background
}

/// Position of `v` along `axis`, 0 at lo and 1 at hi.
double fraction(const PlotAxis& axis, double v) {
  if (!axis.log10) return (v - axis.lo) / (axis.hi - axis.lo);
  const double lo = std::log10(axis.lo);
  return (std::log10(std::max(v, axis.lo)) - lo) / (std::log10(axis.hi) - lo);
}

std::string tick_label(const PlotAxis& axis, double v) {
  return axis.tick_label ? axis.tick_label(v) : fmt::format("{:g}", v);
}

}  // namespace

Plot::Plot(PlotLayout layout, std::string title, PlotAxis x, PlotAxis y)
    : layout_(layout), title_(std::move(title)), x_(std::move(x)), y_(std::move(y)) {}

void Plot::write_png(const std::string& path) const {
  const auto& l = layout_;
  cv::Mat img(l.height, l.width, CV_8UC3, cv::Scalar(255, 255, 255));
  const double w = l.width - l.left - l.right, h = l.height - l.top - l.bottom;
  const auto px = [&](double x, double y) {
    return cv::Point(static_cast<int>(std::lround(l.left + fraction(x_, x) * w)),
                     static_cast<int>(std::lround(l.top + (1 - fraction(y_, y)) * h)));
  };
  const auto finite = [](const PlotPoint& p) { return std::isfinite(p.x) && std::isfinite(p.y); };

  // Grid, tick labels (centred under x ticks, right-aligned left of y ticks), frame.
  for (double x : x_.ticks) {
    cv::line(img, px(x, y_.lo), px(x, y_.hi), kGrid, 1);
    const auto s = tick_label(x_, x);
    text(img, s, px(x, y_.lo) + cv::Point(-text_size(s, kTickScale).width / 2, 20));
  }
  int tick_labels_left = l.left;
  for (double y : y_.ticks) {
    cv::line(img, px(x_.lo, y), px(x_.hi, y), kGrid, 1);
    const auto s = tick_label(y_, y);
    const int width = text_size(s, kTickScale).width;
    text(img, s, px(x_.lo, y) + cv::Point(-8 - width, 5));
    tick_labels_left = std::min(tick_labels_left, l.left - 8 - width);
  }
  cv::rectangle(img, px(x_.lo, y_.hi), px(x_.hi, y_.lo), kInk, 1);

  // Axis labels and title.
  if (!x_.label.empty())
    text(img, x_.label,
         {l.left + static_cast<int>(w) / 2 - text_size(x_.label, kLabelScale).width / 2,
          std::min(l.height - 6, l.height - l.bottom + 45)},
         kLabelScale);
  if (!y_.label.empty()) {
    const auto size = text_size(y_.label, kLabelScale);
    vertical_text(img, y_.label,
                  {std::max(4, tick_labels_left - 8 - size.height - 6), l.top + static_cast<int>(h) / 2 - size.width / 2},
                  kLabelScale);
  }
  if (!title_.empty()) {  // smaller type for a title wider than the image
    const double fit = double(l.width - l.left - 4) / std::max(1, text_size(title_, kLabelScale).width);
    text(img, title_, {l.left, l.top - 20}, kLabelScale * std::clamp(fit, 0.7, 1.0));
  }

  // Series, then the circled points above them.
  for (const auto& s : series_) {
    std::vector<cv::Point> line;
    for (const auto& p : s.points)
      if (finite(p) && (line.empty() || line.back() != px(p.x, p.y))) line.push_back(px(p.x, p.y));
    if (line.size() >= 2) cv::polylines(img, line, false, scalar(s.color), s.thickness, cv::LINE_AA);
    if (s.dot_radius > 0)
      for (const auto& q : line) cv::circle(img, q, s.dot_radius, scalar(s.color), -1, cv::LINE_AA);
  }
  for (const auto& m : markers_) {
    if (!finite(m.at)) continue;
    const auto at = px(m.at.x, m.at.y);
    cv::circle(img, at, 5, scalar(m.color), 2, cv::LINE_AA);
    if (m.label_beside && !m.label.empty()) {  // right of the point, or left where it would leave the image
      const int width = text_size(m.label, kTickScale).width;
      text(img, m.label, at + cv::Point(at.x + 8 + width <= l.width - 2 ? 8 : -8 - width, -8));
    }
  }

  // The legend: inside the plot's top-right corner, as wide as its longest label; a line for a
  // series, a circle for a point.
  struct Entry {
    std::string label;
    Bgr color;
    bool circle;
  };
  std::vector<Entry> legend;
  for (const auto& s : series_)
    if (!s.label.empty()) legend.push_back({s.label, s.color, false});
  for (const auto& m : markers_)
    if (!m.label_beside && !m.label.empty() && finite(m.at)) legend.push_back({m.label, m.color, true});
  int legend_width = 0;
  for (const auto& e : legend) legend_width = std::max(legend_width, 28 + text_size(e.label, kTickScale).width);
  for (std::size_t k = 0; k < legend.size(); ++k) {
    const cv::Point at(l.width - l.right - 10 - legend_width, l.top + 20 + 20 * static_cast<int>(k));
    const auto color = scalar(legend[k].color);
    if (legend[k].circle)
      cv::circle(img, at + cv::Point(10, -4), 5, color, 2, cv::LINE_AA);
    else
      cv::line(img, at + cv::Point(0, -4), at + cv::Point(20, -4), color, 2, cv::LINE_AA);
    text(img, legend[k].label, at + cv::Point(28, 0));
  }
  data::write_image(path, img);
}

}  // namespace facenet::eval
