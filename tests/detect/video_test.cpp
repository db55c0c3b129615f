// Video files: which paths are videos, reading every Nth frame with its timestamp, a cut file (a
// warning and the frames before the cut), files that are not videos, and the writer.
#include "facenet/detect/video.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <opencv2/videoio.hpp>
#include <sstream>

#include "facenet/core/error.h"
#include "support/error_of.h"
#include "support/scoped_sink.h"

using namespace facenet::detect;
using facenet::test::error_of;
namespace fs = std::filesystem;

namespace {

// A folder for this process, removed at exit.
std::string temp_dir() {
  static const struct Dir {
    std::string path = (fs::temp_directory_path() / ("facenet_video_test_" + std::to_string(::getpid()))).string();
    Dir() {
      fs::remove_all(path);
      fs::create_directories(path);
    }
    ~Dir() {
      std::error_code ec;
      fs::remove_all(path, ec);
    }
  } dir;
  return dir.path;
}

// Frame i is grey level 40 + 10 * i plus a fixed noise in [-20, 20] (160 x 120, 10 fps): its mean
// tells which frame it is, and the noise makes each MJPG frame large beside AVI's header (~5 KB).
double level_of(int64_t i) { return 40 + 10 * static_cast<double>(i); }

std::string write_levels(const std::string& name, int frames) {
  const auto path = temp_dir() + "/" + name;
  cv::Mat noise(120, 160, CV_16SC3);
  cv::theRNG().state = 7;
  cv::randu(noise, cv::Scalar::all(-20), cv::Scalar::all(21));
  VideoFileWriter w(path, 10, {160, 120});
  for (int i = 0; i < frames; ++i) {
    cv::Mat shifted = noise + cv::Scalar::all(level_of(i)), frame;
    shifted.convertTo(frame, CV_8UC3);
    w.write(frame);
  }
  w.finish();
  return path;
}

double level(const cv::Mat& bgr) { return cv::mean(bgr)[0]; }

}  // namespace

TEST(Video, VideoPathsByExtensionInAnyCase) {
  for (const char* p : {"a.mp4", "b/c.AVI", "x.mkv", "y.MoV", "z.webm", "w.m4v"}) EXPECT_TRUE(is_video_path(p)) << p;
  for (const char* p : {"a.jpg", "mp4", "b.mp4.txt", "c.mpg", "folder/"}) EXPECT_FALSE(is_video_path(p)) << p;
}

TEST(Video, ReadsEveryFrameWithIndexAndTimestamp) {
  const auto path = write_levels("levels.avi", 10);
  VideoReader r(path);
  EXPECT_EQ(r.size(), cv::Size(160, 120));
  EXPECT_DOUBLE_EQ(r.fps(), 10);
  EXPECT_EQ(r.frame_count(), 10);
  EXPECT_EQ(r.expected(), 10);
  VideoFrame f;
  int64_t n = 0;
  while (r.next(f)) {
    EXPECT_EQ(f.index, n);
    EXPECT_NEAR(f.seconds, n * 0.1, 1e-6);
    EXPECT_NEAR(level(f.bgr), level_of(n), 3) << "frame " << n;  // MJPG is lossy
    ++n;
  }
  EXPECT_EQ(n, 10);
  EXPECT_EQ(r.decoded(), 10);
  EXPECT_FALSE(r.truncated());
  EXPECT_FALSE(r.next(f));  // stays at the end
}

TEST(Video, EveryNthFrame) {
  const auto path = write_levels("every.avi", 10);
  VideoReader r(path, 3);
  EXPECT_EQ(r.expected(), 4);  // 0, 3, 6, 9
  VideoFrame f;
  std::vector<int64_t> indices;
  std::vector<cv::Mat> kept;
  while (r.next(f)) {
    indices.push_back(f.index);
    EXPECT_NEAR(f.seconds, f.index * 0.1, 1e-6);
    kept.push_back(f.bgr);
  }
  EXPECT_EQ(indices, (std::vector<int64_t>{0, 3, 6, 9}));
  // Each frame owns its pixels: the later reads did not overwrite the earlier ones.
  for (size_t i = 0; i < kept.size(); ++i) EXPECT_NEAR(level(kept[i]), level_of(indices[i]), 3);
  EXPECT_NE(error_of([&] { VideoReader bad(path, 0); }).find("--every: must be >= 1 (got 0)"), std::string::npos);
  EXPECT_THROW(VideoReader(path, -2), facenet::ConfigError);
}

TEST(Video, ACutFileGivesTheFramesBeforeTheCutAndAWarning) {
  const auto whole = write_levels("whole.avi", 20);
  const auto cut = temp_dir() + "/cut.avi";
  fs::copy_file(whole, cut, fs::copy_options::overwrite_existing);
  fs::resize_file(cut, fs::file_size(whole) / 2);
  std::ostringstream log;
  facenet::test::ScopedSink sink;
  sink.attach(std::make_shared<spdlog::sinks::ostream_sink_mt>(log));
  VideoReader r(cut);
  EXPECT_EQ(r.frame_count(), 20);  // the header still claims them all
  VideoFrame f;
  std::vector<double> levels;
  while (r.next(f)) levels.push_back(level(f.bgr));
  const auto n = static_cast<int64_t>(levels.size());
  // The frames before the cut are whole; FFmpeg gives the one the cut runs through half decoded.
  for (int64_t i = 0; i + 1 < n; ++i) EXPECT_NEAR(levels[static_cast<size_t>(i)], level_of(i), 3) << i;
  EXPECT_GT(n, 1);
  EXPECT_LT(n, 20);
  EXPECT_TRUE(r.truncated());
  EXPECT_NE(log.str().find("video '" + cut + "': frame " + std::to_string(n) + " does not decode"), std::string::npos)
      << log.str();
  EXPECT_NE(log.str().find("read " + std::to_string(n) + " of the 20 frames"), std::string::npos) << log.str();
}

TEST(Video, FilesThatAreNotVideosAreOneLineErrorsNamingThem) {
  const auto text = temp_dir() + "/notes.mp4";
  std::ofstream(text) << "not a video at all\n";
  auto e = error_of([&] { VideoReader r(text); });
  EXPECT_NE(e.find("video '" + text + "': cannot be opened as a video"), std::string::npos) << e;
  e = error_of([&] { VideoReader r(temp_dir() + "/missing.avi"); });
  EXPECT_NE(e.find("missing.avi' does not exist"), std::string::npos) << e;
  const auto stub = temp_dir() + "/stub.avi";  // a header and no frame
  const auto whole = write_levels("for_stub.avi", 3);
  fs::copy_file(whole, stub, fs::copy_options::overwrite_existing);
  fs::resize_file(stub, 300);  // inside AVI's header
  e = error_of([&] { VideoReader r(stub); });
  EXPECT_NE(e.find("video '" + stub + "'"), std::string::npos) << e;
}

TEST(Video, WriterPicksTheCodecByExtensionAndWritesAtomically) {
  EXPECT_EQ(video_fourcc("a.MP4"), cv::VideoWriter::fourcc('m', 'p', '4', 'v'));
  EXPECT_EQ(video_fourcc("a.avi"), cv::VideoWriter::fourcc('M', 'J', 'P', 'G'));
  EXPECT_NE(error_of([] { video_fourcc("out.gif"); }).find("'out.gif': the output must end in .mp4"), std::string::npos);
  const auto mp4 = temp_dir() + "/out/written.mp4";
  {
    VideoFileWriter w(mp4, 5, {80, 60});
    for (int i = 0; i < 7; ++i) w.write(cv::Mat(60, 80, CV_8UC3, cv::Scalar(0, 0, 30 * i)));
    EXPECT_FALSE(fs::exists(mp4));  // still the temporary
    EXPECT_THROW(w.write(cv::Mat(10, 10, CV_8UC3)), facenet::Error);
    w.finish();
    EXPECT_EQ(w.frames(), 7);
  }
  VideoReader r(mp4);
  EXPECT_EQ(r.size(), cv::Size(80, 60));
  EXPECT_DOUBLE_EQ(r.fps(), 5);
  VideoFrame f;
  int64_t n = 0;
  while (r.next(f)) ++n;
  EXPECT_EQ(n, 7);
  {  // unfinished: nothing left behind
    VideoFileWriter w(temp_dir() + "/dropped.avi", 5, {80, 60});
    w.write(cv::Mat(60, 80, CV_8UC3, cv::Scalar::all(1)));
  }
  for (const auto& e : fs::directory_iterator(temp_dir()))
    EXPECT_EQ(e.path().filename().string().find("dropped"), std::string::npos) << e.path();
  const auto e = error_of([] { VideoFileWriter w("/proc/no/such/dir/x.avi", 5, {80, 60}); });
  EXPECT_NE(e.find("video '/proc/no/such/dir/x.avi': cannot be written"), std::string::npos) << e;
}
