#pragma once
// Video files through OpenCV's cv::VideoCapture (FFmpeg where the build has it): which paths are
// videos, reading every Nth frame with its index and timestamp, and writing a video atomically.
#include <cstdint>
#include <memory>
#include <string>

#include <opencv2/core.hpp>

namespace facenet::detect {

/// .mp4, .avi, .mkv, .mov, .webm or .m4v, in any case.
bool is_video_path(const std::string& path);

struct VideoFrame {
  int64_t index = 0;   ///< 0-based position in the file
  double seconds = 0;  ///< CAP_PROP_POS_MSEC / 1000, or index / fps where the backend reports 0
  cv::Mat bgr;         ///< 8-bit BGR, owned by the frame
};

/// Reads frames 0, every, 2 * every, ... in order. A frame that does not decode ends the reading:
/// when the header listed more frames, a warning names the file and how many were read (a cut or
/// damaged file), never an error.
class VideoReader {
 public:
  /// Opens `path` and decodes its first frame. Throws ConfigError for every < 1, and Error naming
  /// the file when it does not exist, cannot be opened as a video, or has no frame that decodes.
  explicit VideoReader(const std::string& path, int64_t every = 1);
  ~VideoReader();
  VideoReader(VideoReader&&) noexcept;
  VideoReader& operator=(VideoReader&&) noexcept;

  /// The next taken frame; false at the end.
  bool next(VideoFrame& frame);

  const std::string& path() const;
  cv::Size size() const;      ///< of the first frame
  double fps() const;         ///< CAP_PROP_FPS; 0 = unknown
  int64_t every() const;
  /// CAP_PROP_FRAME_COUNT: what the header claims (FFmpeg may estimate it from the duration); 0 = unknown.
  int64_t frame_count() const;
  /// Frames next() gives by the header, ceil(frame_count / every); 0 = unknown.
  int64_t expected() const;
  /// Frames read from the file so far, skipped ones included.
  int64_t decoded() const;
  /// The reading ended at a frame that did not decode, before the header's count.
  bool truncated() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// The fourcc for an output video's extension: .mp4, .m4v, .mov 'mp4v'; .avi, .mkv 'MJPG';
/// .webm 'VP80'. Throws ConfigError naming `path` for any other.
int video_fourcc(const std::string& path);

/// Writes a video through a temporary beside `path` (keeping its extension, which picks the
/// container) renamed onto `path` by finish(); destroyed unfinished, it removes the temporary.
class VideoFileWriter {
 public:
  /// Throws ConfigError for an unknown extension and Error naming `path` when OpenCV cannot open
  /// a writer for it (no encoder, unwritable folder).
  VideoFileWriter(const std::string& path, double fps, cv::Size size);
  ~VideoFileWriter();
  VideoFileWriter(const VideoFileWriter&) = delete;
  VideoFileWriter& operator=(const VideoFileWriter&) = delete;
  /// One 8-bit BGR frame of the size given.
  void write(const cv::Mat& bgr);
  /// Closes the file and moves it onto `path`.
  void finish();
  int64_t frames() const { return frames_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  int64_t frames_ = 0;
};

}  // namespace facenet::detect
