#pragma once
// The one line-chart plotter behind every PNG the evaluation draws (roc.png, history.png,
// det.png): a frame with grid and tick labels on linear or log10 axes, polylines, circled
// points, a legend in the top-right corner, a title; written as a PNG atomically. OpenCV stays
// in plot.cpp.
//
//   Plot plot({}, "ROC", {0, 1, false, {0, .5, 1}, "FPR"}, {0, 1, false, {0, .5, 1}, "TPR"});
//   plot.add(PlotSeries{"curve", kBlue, {{0, 0}, {.1, .8}, {1, 1}}});
//   plot.write_png("roc.png");
#include <functional>
#include <string>
#include <vector>

namespace facenet::eval {

/// A colour in OpenCV's channel order (blue, green, red), 0-255.
struct Bgr {
  int b = 0, g = 0, r = 0;
};

struct PlotAxis {
  double lo = 0, hi = 1;        ///< the visible range (log10: both > 0; values below lo are drawn at lo)
  bool log10 = false;
  std::vector<double> ticks;    ///< grid lines, each labelled by `tick_label`
  std::string label;            ///< under the x axis; rotated beside the y axis
  std::function<std::string(double)> tick_label = nullptr;  ///< default "{:g}"
};

/// Pixel layout: image size and the margins around the plot area.
struct PlotLayout {
  int width = 720, height = 640;
  int left = 80, right = 30, top = 50, bottom = 70;
};

struct PlotPoint {
  double x = 0, y = 0;
};

/// A line through `points` (non-finite ones skipped), optionally with a filled dot at each; a
/// legend entry when `label` is not empty.
struct PlotSeries {
  std::string label;
  Bgr color;
  std::vector<PlotPoint> points;
  int thickness = 2;
  int dot_radius = 0;  ///< 0: no dots
};

/// A circled point (skipped when non-finite), labelled in the legend or beside the point.
struct PlotMarker {
  PlotPoint at;
  Bgr color;
  std::string label;
  bool label_beside = false;
};

class Plot {
 public:
  Plot(PlotLayout layout, std::string title, PlotAxis x, PlotAxis y);
  void add(PlotSeries series) { series_.push_back(std::move(series)); }
  void add(PlotMarker marker) { markers_.push_back(std::move(marker)); }
  /// Draws and writes the PNG atomically; throws Error naming `path` when it cannot.
  void write_png(const std::string& path) const;

 private:
  PlotLayout layout_;
  std::string title_;
  PlotAxis x_, y_;
  std::vector<PlotSeries> series_;
  std::vector<PlotMarker> markers_;
};

/// Colours the plots share: series and markers take them in this order.
inline constexpr Bgr kPlotColors[] = {{200, 90, 20}, {0, 140, 0}, {30, 30, 200}, {160, 40, 160}, {0, 150, 200},
                                      {90, 90, 90}};

}  // namespace facenet::eval
