// `facenet align` as a library: crop geometry (davidsandberg's margin), the no-face paths
// and, on a drawn face, detection with Debian's Haar cascade.
#include "facenet/detect/align.h"
#include "facenet/detect/crop.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "data/test_util.h"
#include "facenet/core/error.h"
#include "facenet/data/synth.h"

using namespace facenet;
using namespace facenet::data;
using namespace facenet::detect;
using facenet::test::TempDir;
namespace fs = std::filesystem;

TEST(Align, MarginBoxAddsHalfTheMarginPerSideAndClips) {
  const auto b = margin_box({50, 60, 100, 80}, 32, 250, 250);
  EXPECT_EQ(b.x, 34);
  EXPECT_EQ(b.y, 44);
  EXPECT_EQ(b.width, 132);
  EXPECT_EQ(b.height, 112);
  const auto edge = margin_box({5, 10, 100, 100}, 44, 110, 300);  // clipped left, top and right
  EXPECT_EQ(edge.x, 0);
  EXPECT_EQ(edge.y, 0);
  EXPECT_EQ(edge.width, 110);
  EXPECT_EQ(edge.height, 132);
}

TEST(Align, CentreBoxIsTheMiddleSquare) {
  const auto b = centre_box(250, 200);
  EXPECT_EQ(b.x, 25);
  EXPECT_EQ(b.y, 0);
  EXPECT_EQ(b.width, 200);
  EXPECT_EQ(b.height, 200);
}

TEST(Align, NoFaceSkipsOrCentreCrops) {
  if (!fs::exists(default_haar_cascade())) GTEST_SKIP() << "opencv-data not installed";
  TempDir in, skip_out, centre_out;
  // A blank image with a white centre square: no face; the centre crop is exactly that square.
  cv::Mat img(100, 160, CV_8UC3, cv::Scalar(0, 0, 0));
  img(cv::Rect(30, 0, 100, 100)).setTo(cv::Scalar(255, 255, 255));
  fs::create_directories(in / "person");
  cv::imwrite((in / "person/p_0001.png").string(), img);
  facenet::test::write_text(in / "person/broken.jpg", "not an image");
  facenet::test::write_text(in / "person/notes.txt", "ignored");

  AlignOptions o;
  o.input = in.str();
  o.output = skip_out.str();
  o.size = 40;
  auto s = align_dataset(o);
  EXPECT_EQ(s.images, 2);
  EXPECT_EQ(s.faces, 0);
  EXPECT_EQ(s.no_face, 1);
  EXPECT_EQ(s.unreadable, 1);
  EXPECT_FALSE(fs::exists(skip_out / "person/p_0001.png"));

  o.output = centre_out.str();
  o.no_face = NoFaceAction::Center;
  s = align_dataset(o);
  EXPECT_EQ(s.centre_crops, 1);
  const auto out = cv::imread((centre_out / "person/p_0001.png").string());
  ASSERT_EQ(out.cols, 40);
  ASSERT_EQ(out.rows, 40);
  EXPECT_EQ(cv::countNonZero(out.reshape(1) != 255), 0) << "centre square is all white";
}

TEST(Align, MissingInputOrModelIsAnError) {
  AlignOptions o;
  o.input = "/nonexistent/facenet_align";
  o.output = "/tmp/x";
  EXPECT_THROW(align_dataset(o), Error);
  TempDir in;
  o.input = in.str();
  o.detect.detector = FaceDetector::YuNet;
  EXPECT_THROW(align_dataset(o), Error);  // no --model
  o.detect.model = "/nonexistent/yunet.onnx";
  EXPECT_THROW(align_dataset(o), Error);
}

TEST(Align, HaarDetectsSynthFacesAndCropsThem) {
  if (!fs::exists(default_haar_cascade())) GTEST_SKIP() << "opencv-data not installed";
  // The cascade finds about half of the drawn faces (pose, occlusion and blur vary); over
  // 12 images a handful must be found, and each found one written at the output size.
  TempDir in, out;
  for (int i = 0; i < 12; ++i) {
    cv::Mat img;
    render_synth_face(1, 0, i, 0, 160, img);
    fs::create_directories(in / ("p" + std::to_string(i)));
    cv::imwrite((in / ("p" + std::to_string(i)) / "a.png").string(), img);
  }
  AlignOptions o;
  o.input = in.str();
  o.output = out.str();
  o.size = 48;
  o.margin = 16;
  o.detect.detector = FaceDetector::Haar;
  const auto s = align_dataset(o);
  EXPECT_EQ(s.images, 12);
  EXPECT_EQ(s.faces + s.no_face, 12);
  EXPECT_GE(s.faces, 3);
  int written = 0;
  for (const auto& e : fs::recursive_directory_iterator(out / ""))
    if (e.is_regular_file() && e.path().filename() != "align.json") {
      ++written;
      const auto img = cv::imread(e.path().string());
      EXPECT_EQ(img.cols, 48);
      EXPECT_EQ(img.rows, 48);
    }
  EXPECT_EQ(written, s.faces);
  std::ifstream record((out / "align.json").string());
  const std::string text((std::istreambuf_iterator<char>(record)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("\"rule\": \"margin\", \"margin\": 16, \"detector\": \"haar\""), std::string::npos) << text;
}
