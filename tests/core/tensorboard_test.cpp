#include "facenet/core/tensorboard.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <opencv2/imgcodecs.hpp>
#include <regex>
#include <sstream>

#include "facenet/core/error.h"
#include "facenet/core/tfrecord.h"

using namespace facenet;
namespace fs = std::filesystem;

namespace {

class TensorBoardTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("facenet-tb-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

std::string png_bytes(int h, int w) {
  cv::Mat img(h, w, CV_8UC3);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) img.at<cv::Vec3b>(y, x) = cv::Vec3b(x * 20, y * 30, 200);
  std::vector<uchar> buf;
  cv::imencode(".png", img, buf);
  return std::string(buf.begin(), buf.end());
}

std::string slurp(const std::string& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

TEST_F(TensorBoardTest, FileNameIsWhatTensorBoardGlobs) {
  EXPECT_EQ(tensorboard_file_name(1700000000, "host"), "events.out.tfevents.1700000000.host");
  const double before = unix_time_now();
  TensorBoardWriter tb((dir_ / "logs" / "run").string());  // creates the folders
  const fs::path p(tb.path());
  EXPECT_EQ(p.parent_path(), dir_ / "logs" / "run");
  std::smatch m;
  const std::string name = p.filename().string();
  ASSERT_TRUE(std::regex_match(name, m, std::regex(R"(events\.out\.tfevents\.(\d{10})\.(.+))"))) << name;
  EXPECT_NEAR(std::stod(m[1]), before, 5.0);
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  EXPECT_EQ(m[2].str(), host);

  // A second writer in the same folder and second gets its own file.
  TensorBoardWriter tb2((dir_ / "logs" / "run").string());
  EXPECT_NE(tb2.path(), tb.path());
}

TEST_F(TensorBoardTest, ScalarsAndImagesReadBack) {
  const std::string png = png_bytes(6, 8);
  std::string path;
  {
    TensorBoardWriter tb(dir_.string());
    path = tb.path();
    for (int step = 0; step < 5; ++step) tb.add_scalar("train/loss", step, 2.5 - 0.5 * step, 1000.0 + step);
    tb.add_scalars({{"eval/accuracy", 0.875}, {"eval/threshold", 1.25}}, 4, 2000.0);
    tb.add_image("eval/roc", 4, png, 6, 8, 3, 2001.0);
    EXPECT_TRUE(tb.ok());
  }
  const auto events = read_events(path);
  ASSERT_EQ(events.size(), 1u + 5 + 1 + 1);
  EXPECT_EQ(events[0].file_version, "brain.Event:2");
  EXPECT_GT(events[0].wall_time, 1.6e9);
  EXPECT_TRUE(events[0].scalars.empty());
  for (int step = 0; step < 5; ++step) {
    const auto& e = events[1 + step];
    EXPECT_EQ(e.step, step);
    EXPECT_DOUBLE_EQ(e.wall_time, 1000.0 + step);
    EXPECT_TRUE(e.file_version.empty());
    ASSERT_EQ(e.scalars.size(), 1u);
    EXPECT_EQ(e.scalars[0].tag, "train/loss");
    EXPECT_FLOAT_EQ(e.scalars[0].value, 2.5f - 0.5f * step);
  }
  ASSERT_EQ(events[6].scalars.size(), 2u);
  EXPECT_EQ(events[6].scalars[0].tag, "eval/accuracy");
  EXPECT_FLOAT_EQ(events[6].scalars[0].value, 0.875f);
  EXPECT_EQ(events[6].scalars[1].tag, "eval/threshold");
  EXPECT_EQ(events[6].step, 4);

  const auto& e = events[7];
  EXPECT_EQ(e.step, 4);
  EXPECT_DOUBLE_EQ(e.wall_time, 2001.0);
  ASSERT_EQ(e.images.size(), 1u);
  EXPECT_EQ(e.images[0].tag, "eval/roc");
  EXPECT_EQ(e.images[0].height, 6);
  EXPECT_EQ(e.images[0].width, 8);
  EXPECT_EQ(e.images[0].channels, 3);
  EXPECT_EQ(e.images[0].encoded, png);
  const cv::Mat decoded = cv::imdecode(std::vector<uchar>(png.begin(), png.end()), cv::IMREAD_COLOR);
  EXPECT_EQ(decoded.rows, 6);
  EXPECT_EQ(decoded.cols, 8);
}

TEST_F(TensorBoardTest, EventsReachTheFileBeforeClose) {
  TensorBoardWriter tb(dir_.string());
  tb.add_scalar("loss", 7, 0.25);
  // No flush, writer still open: a process killed now leaves both events on disk.
  const auto events = read_events(tb.path());
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].step, 7);
  EXPECT_EQ(events[1].scalars.at(0).tag, "loss");
  tb.flush();
  EXPECT_TRUE(tb.ok());
}

TEST_F(TensorBoardTest, TruncatedLastRecordAndCorruption) {
  std::string path;
  {
    TensorBoardWriter tb(dir_.string());
    path = tb.path();
    tb.add_scalar("a", 1, 1.0);
    tb.add_scalar("a", 2, 2.0);
  }
  const std::string good = slurp(path);
  std::ofstream(path, std::ios::binary | std::ios::trunc) << good.substr(0, good.size() - 3);
  EXPECT_THROW(read_events(path), Error);
  const auto events = read_events(path, true);
  ASSERT_EQ(events.size(), 2u);  // file_version + step 1
  EXPECT_EQ(events[1].step, 1);

  std::string bad = good;
  bad[bad.size() - 6] ^= 0x40;
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bad;
  try {
    read_events(path, true);
    ADD_FAILURE() << "a flipped byte went unnoticed";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("CRC mismatch"), std::string::npos) << e.what();
  }

  // CRC-valid records that are not Event messages.
  {
    tfrecord::Writer w(path);
    w.write(std::string("\xff\xff\xff", 3));
  }
  EXPECT_THROW(read_events(path), Error);
}

TEST_F(TensorBoardTest, FullDiskNeverThrowsIntoTheCaller) {
  if (!fs::exists("/dev/full")) GTEST_SKIP() << "no /dev/full";
  auto tb = TensorBoardWriter::open_file("/dev/full");  // the first event already fails
  EXPECT_FALSE(tb.ok());
  EXPECT_NO_THROW(tb.add_scalar("loss", 1, 0.5));
  EXPECT_NO_THROW(tb.add_image("img", 1, "png", 1, 1, 1));
  EXPECT_NO_THROW(tb.flush());
  EXPECT_FALSE(tb.ok());
}

TEST_F(TensorBoardTest, UncreatableFolderThrows) {
  fs::create_directories(dir_);
  std::ofstream(dir_ / "file") << "x";
  EXPECT_THROW(TensorBoardWriter((dir_ / "file" / "sub").string()), Error);
}
