#include "annotated_video.h"

#include <spdlog/spdlog.h>

#include <map>
#include <opencv2/imgproc.hpp>

#include "facenet/core/progress.h"
#include "facenet/detect/video.h"

namespace facenet::tasks {

namespace {

cv::Scalar track_colour(int64_t track) {
  static const cv::Scalar palette[] = {{0, 200, 0},   {0, 140, 255}, {255, 80, 0},  {200, 0, 200},
                                       {0, 220, 220}, {255, 200, 0}, {80, 80, 255}, {160, 255, 120}};
  return palette[static_cast<size_t>(track) % (sizeof(palette) / sizeof(palette[0]))];
}

void draw(cv::Mat& frame, const DrawnFace& f) {
  const int thick = std::max(1, std::min(frame.cols, frame.rows) / 240);
  const double scale = 0.4 * thick;
  const auto colour = track_colour(f.track);
  const cv::Rect box(f.box);
  cv::rectangle(frame, box, colour, thick);
  int baseline = 0;
  const auto size = cv::getTextSize(f.text, cv::FONT_HERSHEY_SIMPLEX, scale, thick, &baseline);
  // The name on a filled strip above the box (inside it when the box touches the top).
  const int top = box.y - size.height - baseline - 2 >= 0 ? box.y - size.height - baseline - 2 : box.y;
  cv::rectangle(frame, cv::Rect(box.x, top, size.width + 4, size.height + baseline + 2), colour, cv::FILLED);
  cv::putText(frame, f.text, cv::Point(box.x + 2, top + size.height + 1), cv::FONT_HERSHEY_SIMPLEX, scale,
              cv::Scalar(0, 0, 0), thick);
}

}  // namespace

int64_t write_annotated_video(const std::string& video, const std::string& out, const std::vector<DrawnFace>& faces,
                              int64_t every, int64_t frames) {
  std::map<int64_t, std::vector<const DrawnFace*>> by_frame;
  for (const auto& f : faces) by_frame[f.frame].push_back(&f);
  detect::VideoReader reader(video);
  detect::VideoFileWriter writer(out, reader.fps(), reader.size());
  Progress progress(frames);
  detect::VideoFrame frame;
  while (writer.frames() < frames && reader.next(frame)) {
    if (const auto it = by_frame.find(frame.index - frame.index % every); it != by_frame.end())
      for (const auto* f : it->second) draw(frame.bgr, *f);
    writer.write(frame.bgr);
    progress.add(1);
    if (progress.due())
      spdlog::info("[identify] writing '{}': {}/{} frames, {:.1f} frames/s, ETA {}", out, progress.done(),
                   progress.total(), progress.rate(), format_duration(progress.eta_s()));
  }
  writer.finish();
  return writer.frames();
}

}  // namespace facenet::tasks
