#pragma once
// A video copied frame by frame with face boxes and names drawn on it (private to src/tasks).
#include <cstdint>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

namespace facenet::tasks {

struct DrawnFace {
  int64_t frame = 0;  ///< the processed frame it was found in
  cv::Rect2f box;
  std::string text;
  int64_t track = 0;  ///< picks the colour
};

/// Writes the first `frames` frames of `video` to `out` (detect::VideoFileWriter: same size and
/// rate, fourcc by out's extension), drawing on frame i the faces found in frame i - i % every (a
/// processed frame's boxes stay until the next one). Returns the frames written.
int64_t write_annotated_video(const std::string& video, const std::string& out, const std::vector<DrawnFace>& faces,
                              int64_t every, int64_t frames);

}  // namespace facenet::tasks
