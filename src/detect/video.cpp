#include "facenet/detect/video.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <opencv2/videoio.hpp>
#include <opencv2/videoio/registry.hpp>
#include <set>

#include "facenet/core/error.h"

namespace facenet::detect {
namespace fs = std::filesystem;

namespace {

std::string lower_extension(const std::string& path) {
  auto ext = fs::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return ext;
}

// FFmpeg when the build has it: CAP_ANY would also try GStreamer, whose failures on a file that
// is not a video fill stderr with pipeline errors.
int backend() {
  static const int api = cv::videoio_registry::hasBackend(cv::CAP_FFMPEG) ? cv::CAP_FFMPEG : cv::CAP_ANY;
  return api;
}

}  // namespace

bool is_video_path(const std::string& path) {
  static const std::set<std::string> known{".mp4", ".avi", ".mkv", ".mov", ".webm", ".m4v"};
  return known.count(lower_extension(path)) > 0;
}

struct VideoReader::Impl {
  std::string path;
  int64_t every = 1;
  cv::VideoCapture cap;
  cv::Size size;
  double fps = 0;
  int64_t frame_count = 0;
  int64_t decoded = 0;  // frames read from the file
  bool ended = false, truncated = false;
  VideoFrame first;     // decoded by the constructor, given by the first next()
  bool has_first = false;

  // The next frame of the file; false (and the end logged) when it does not decode.
  bool read(VideoFrame& frame) {
    cv::Mat bgr;  // a fresh buffer: the caller keeps the previous frame's pixels
    if (!cap.read(bgr) || bgr.empty()) return end();
    frame.index = decoded++;
    frame.bgr = bgr;
    const double msec = cap.get(cv::CAP_PROP_POS_MSEC);
    frame.seconds = msec > 0 || frame.index == 0 ? msec / 1000 : fps > 0 ? frame.index / fps : 0;
    return true;
  }
  bool skip() { return cap.grab() ? (++decoded, true) : end(); }
  bool end() {
    if (!ended && frame_count > 0 && decoded < frame_count && decoded > 0) {
      truncated = true;
      spdlog::warn("video '{}': frame {} does not decode (cut or damaged file?): read {} of the {} frames its header "
                   "lists",
                   path, decoded, decoded, frame_count);
    }
    ended = true;
    return false;
  }
};

VideoReader::VideoReader(const std::string& path, int64_t every) : impl_(std::make_unique<Impl>()) {
  if (every < 1) throw ConfigError("--every: must be >= 1 (got " + std::to_string(every) + ")");
  auto& m = *impl_;
  m.path = path;
  m.every = every;
  if (!fs::exists(path)) throw Error("video '" + path + "' does not exist");
  if (!fs::is_regular_file(path)) throw Error("video '" + path + "' is not a file");
  if (!m.cap.open(path, backend()) || !m.cap.isOpened())
    throw Error("video '" + path + "': cannot be opened as a video (not a video file, or a format OpenCV cannot read)");
  m.fps = std::max(0.0, m.cap.get(cv::CAP_PROP_FPS));
  if (!std::isfinite(m.fps)) m.fps = 0;
  m.frame_count = std::max<int64_t>(0, static_cast<int64_t>(m.cap.get(cv::CAP_PROP_FRAME_COUNT)));
  if (!m.read(m.first)) throw Error("video '" + path + "': no frame decodes (an empty or damaged video)");
  m.has_first = true;
  m.size = m.first.bgr.size();
}

VideoReader::~VideoReader() = default;
VideoReader::VideoReader(VideoReader&&) noexcept = default;
VideoReader& VideoReader::operator=(VideoReader&&) noexcept = default;

bool VideoReader::next(VideoFrame& frame) {
  auto& m = *impl_;
  if (m.has_first) {
    m.has_first = false;
    frame = std::move(m.first);
    return true;
  }
  if (m.ended) return false;
  for (int64_t k = 1; k < m.every; ++k)
    if (!m.skip()) return false;
  return m.read(frame);
}

const std::string& VideoReader::path() const { return impl_->path; }
cv::Size VideoReader::size() const { return impl_->size; }
double VideoReader::fps() const { return impl_->fps; }
int64_t VideoReader::every() const { return impl_->every; }
int64_t VideoReader::frame_count() const { return impl_->frame_count; }
int64_t VideoReader::expected() const { return (impl_->frame_count + impl_->every - 1) / impl_->every; }
int64_t VideoReader::decoded() const { return impl_->decoded; }
bool VideoReader::truncated() const { return impl_->truncated; }

int video_fourcc(const std::string& path) {
  const auto ext = lower_extension(path);
  if (ext == ".mp4" || ext == ".m4v" || ext == ".mov") return cv::VideoWriter::fourcc('m', 'p', '4', 'v');
  if (ext == ".avi" || ext == ".mkv") return cv::VideoWriter::fourcc('M', 'J', 'P', 'G');
  if (ext == ".webm") return cv::VideoWriter::fourcc('V', 'P', '8', '0');
  throw ConfigError("video '" + path + "': the output must end in .mp4, .m4v, .mov, .avi, .mkv or .webm");
}

struct VideoFileWriter::Impl {
  std::string path, temporary;
  cv::Size size;
  cv::VideoWriter writer;
  bool finished = false;
};

VideoFileWriter::VideoFileWriter(const std::string& path, double fps, cv::Size size) : impl_(std::make_unique<Impl>()) {
  auto& m = *impl_;
  m.path = path;
  m.size = size;
  const int fourcc = video_fourcc(path);
  // The container follows the file name's extension, so the temporary keeps it.
  m.temporary = path + ".tmp-" + std::to_string(::getpid()) + fs::path(path).extension().string();
  const auto parent = fs::path(path).parent_path();
  std::error_code ec;
  if (!parent.empty()) fs::create_directories(parent, ec);
  if (!m.writer.open(m.temporary, backend(), fourcc, fps > 0 ? fps : 25.0, size) || !m.writer.isOpened()) {
    fs::remove(m.temporary, ec);
    throw Error("video '" + path + "': cannot be written (no encoder for its extension, or the folder is not writable)");
  }
}

VideoFileWriter::~VideoFileWriter() {
  if (impl_ && !impl_->finished) {
    impl_->writer.release();
    std::error_code ec;
    fs::remove(impl_->temporary, ec);
  }
}

void VideoFileWriter::write(const cv::Mat& bgr) {
  if (bgr.size() != impl_->size || bgr.type() != CV_8UC3)
    throw Error("video '" + impl_->path + "': a frame of another size or type than the video's");
  impl_->writer.write(bgr);
  ++frames_;
}

void VideoFileWriter::finish() {
  auto& m = *impl_;
  m.writer.release();
  std::error_code ec;
  fs::rename(m.temporary, m.path, ec);
  if (ec) throw Error("video '" + m.path + "': cannot move the written video into place: " + ec.message());
  m.finished = true;
}

}  // namespace facenet::detect
