// Face detection (Haar on multi-face photos built from synthetic faces, none, a missing YuNet
// model) and the crop rules (the 5-point similarity transform, margin crops).
#include "facenet/detect/crop.h"
#include "facenet/detect/detector.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <opencv2/calib3d.hpp>
#include <opencv2/imgproc.hpp>

#include "facenet/core/error.h"
#include "facenet/detect/align.h"
#include "facenet/data/synth.h"

using namespace facenet;
using namespace facenet::data;
using namespace facenet::detect;
namespace fs = std::filesystem;

namespace {

cv::Point2f apply(const cv::Mat& m, cv::Point2f p) {
  return {static_cast<float>(m.at<double>(0, 0) * p.x + m.at<double>(0, 1) * p.y + m.at<double>(0, 2)),
          static_cast<float>(m.at<double>(1, 0) * p.x + m.at<double>(1, 1) * p.y + m.at<double>(1, 2))};
}

}  // namespace

TEST(Detect, HaarFindsEverySynthFacePastedOnAPhoto) {
  if (!fs::exists(default_haar_cascade())) GTEST_SKIP() << "opencv-data not installed";
  // The cascade finds only some drawn faces (see Align.HaarDetectsSynthFacesAndCropsThem), and the
  // grey around them changes the histogram equalisation: keep the first four found when pasted alone
  // at their place on the grey photo, with the box found there, then paste all four.
  DetectOptions o;
  o.detector = FaceDetector::Haar;
  FaceFinder finder(o);
  const cv::Mat grey(420, 640, CV_8UC3, cv::Scalar(200, 200, 200));
  const std::vector<cv::Point> places{{20, 30}, {190, 250}, {330, 20}, {480, 240}};
  std::vector<cv::Mat> tiles;
  std::vector<cv::Rect> expected;
  for (int64_t id = 0; id < 60 && tiles.size() < places.size(); ++id) {
    cv::Mat img, alone = grey.clone();
    render_synth_face(3, 0, id, 0, 140, img);
    const cv::Rect at(places[tiles.size()], img.size());
    img.copyTo(alone(at));
    auto faces = finder.detect(alone);
    if (faces.size() != 1 || (cv::Rect(faces[0].box) & at) != cv::Rect(faces[0].box)) continue;
    tiles.push_back(img);
    expected.push_back(cv::Rect(faces[0].box));
  }
  ASSERT_EQ(tiles.size(), places.size()) << "Haar found fewer than 4 of 60 synthetic faces";
  cv::Mat photo = grey.clone();
  for (size_t i = 0; i < tiles.size(); ++i) tiles[i].copyTo(photo(cv::Rect(places[i], tiles[i].size())));
  const auto faces = finder.detect(photo);
  EXPECT_EQ(faces.size(), expected.size());
  for (const auto& want : expected) {
    float best = 0;
    for (const auto& f : faces) best = std::max(best, detect::iou(f.box, cv::Rect2f(want)));
    EXPECT_GT(best, 0.5) << "no detection near " << want;
  }
  for (const auto& f : faces) {
    EXPECT_GT(f.score, 0.0f);  // the cascade's level weight
    EXPECT_FALSE(f.has_landmarks);
  }
  o.largest = true;
  const auto one = FaceFinder(o).detect(photo);
  ASSERT_EQ(one.size(), 1u);
  for (const auto& f : faces) EXPECT_GE(one[0].box.area(), f.box.area());
}

TEST(Detect, PlainBackgroundHasNoFace) {
  if (!fs::exists(default_haar_cascade())) GTEST_SKIP() << "opencv-data not installed";
  cv::Mat plain(300, 300, CV_8UC3, cv::Scalar(120, 130, 140));
  EXPECT_TRUE(detect_faces(plain, DetectOptions{}).empty());
}

TEST(Detect, NoneIsTheWholeImage) {
  cv::Mat img(90, 70, CV_8UC3, cv::Scalar::all(10));
  DetectOptions o;
  o.detector = FaceDetector::None;
  const auto faces = detect_faces(img, o);
  ASSERT_EQ(faces.size(), 1u);
  EXPECT_EQ(faces[0].box, cv::Rect2f(0, 0, 70, 90));
  const auto crop = crop_face(img, faces[0], CropConfig{}, 160);
  EXPECT_EQ(crop.size(), cv::Size(160, 160));
}

TEST(Detect, YuNetWithoutAModelIsAClearError) {
  DetectOptions o;
  o.detector = FaceDetector::YuNet;
  try {
    FaceFinder f(o);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("--detect-model"), std::string::npos) << e.what();
  }
  o.model = "/nonexistent/yunet.onnx";
  try {
    FaceFinder f(o);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("does not exist"), std::string::npos) << e.what();
  }
}

TEST(Detect, TemplateScalesAsInsightface) {
  const auto t112 = template_landmarks(112);
  EXPECT_FLOAT_EQ(t112[0].x, 38.2946f);
  EXPECT_FLOAT_EQ(t112[4].y, 92.2041f);
  const auto t224 = template_landmarks(224);
  EXPECT_FLOAT_EQ(t224[2].x, 2 * 56.0252f);
  const auto t160 = template_landmarks(160);  // 160 / 128 with x shifted by 8 * 160 / 128
  EXPECT_NEAR(t160[0].x, 38.2946f * 1.25f + 10.0f, 1e-4);
  EXPECT_NEAR(t160[0].y, 51.6963f * 1.25f, 1e-4);
}

TEST(Detect, SimilarityTransformMapsTheTemplateOntoItself) {
  const auto t = template_landmarks(112);
  const auto m = similarity_transform(t, t);
  const cv::Mat eye = (cv::Mat_<double>(2, 3) << 1, 0, 0, 0, 1, 0);
  EXPECT_LT(cv::norm(m - eye, cv::NORM_INF), 1e-6);
}

TEST(Detect, SimilarityTransformUndoesRotationScaleAndShift) {
  const auto t = template_landmarks(160);
  for (double deg : {-30.0, 0.0, 17.0, 90.0}) {
    const double a = deg * M_PI / 180, s = 2.3, tx = 140, ty = -25;
    Landmarks moved;
    for (int k = 0; k < 5; ++k)
      moved[k] = cv::Point2f(static_cast<float>(s * (std::cos(a) * t[k].x - std::sin(a) * t[k].y) + tx),
                             static_cast<float>(s * (std::sin(a) * t[k].x + std::cos(a) * t[k].y) + ty));
    const auto m = similarity_transform(moved, t);
    for (int k = 0; k < 5; ++k) {
      const auto p = apply(m, moved[k]);
      EXPECT_LT(std::hypot(p.x - t[k].x, p.y - t[k].y), 0.5) << deg << " deg, point " << k;
    }
    // OpenCV's robust estimator agrees on exact correspondences.
    std::vector<cv::Point2f> from(moved.begin(), moved.end()), to(t.begin(), t.end());
    const cv::Mat ref = cv::estimateAffinePartial2D(from, to, cv::noArray(), cv::LMEDS);
    EXPECT_LT(cv::norm(ref - m, cv::NORM_INF), 1e-3);
  }
}

TEST(Detect, FivePointCropPutsTheLandmarksOnTheTemplate) {
  // A photo with 5 dots at a rotated, scaled copy of the template: the crop shows them at the template.
  const auto t = template_landmarks(112);
  cv::Mat photo(400, 400, CV_8UC3, cv::Scalar::all(0));
  Face f;
  f.has_landmarks = true;
  const double a = 0.3, s = 2.0;
  for (int k = 0; k < 5; ++k) {
    f.landmarks[k] = cv::Point2f(static_cast<float>(s * (std::cos(a) * t[k].x - std::sin(a) * t[k].y) + 150),
                                 static_cast<float>(s * (std::sin(a) * t[k].x + std::cos(a) * t[k].y) + 60));
    cv::circle(photo, f.landmarks[k], 4, cv::Scalar::all(255), cv::FILLED);
  }
  f.box = cv::boundingRect(std::vector<cv::Point2f>(f.landmarks.begin(), f.landmarks.end()));
  CropConfig crop{CropRule::FivePoint, 32, FaceDetector::YuNet};
  const auto out = crop_face(photo, f, crop, 112);
  ASSERT_EQ(out.size(), cv::Size(112, 112));
  for (int k = 0; k < 5; ++k) EXPECT_GT(out.at<cv::Vec3b>(cvRound(t[k].y), cvRound(t[k].x))[0], 200) << k;
  // Without landmarks 5point falls back to the margin crop.
  f.has_landmarks = false;
  EXPECT_EQ(crop_face(photo, f, crop, 96).size(), cv::Size(96, 96));
}

TEST(Detect, MarginCropIsTheAlignBoxResized) {
  cv::Mat photo(200, 300, CV_8UC3, cv::Scalar::all(0));
  photo(cv::Rect(84, 34, 132, 112)).setTo(cv::Scalar::all(255));  // exactly margin_box of the face below
  Face f;
  f.box = cv::Rect(100, 50, 100, 80);
  const auto out = crop_face(photo, f, CropConfig{CropRule::Margin, 32, FaceDetector::Haar}, 64);
  ASSERT_EQ(out.size(), cv::Size(64, 64));
  EXPECT_GT(cv::mean(out)[0], 250);
}

TEST(Crop, PilBilinearResizeMatchesPillow) {
  // A 7x5 RGB ramp and Pillow's Image.resize(size, BILINEAR) of it (values printed by Pillow 9.4).
  cv::Mat rgb(5, 7, CV_8UC3);
  for (int y = 0; y < 5; ++y)
    for (int x = 0; x < 7; ++x)
      for (int c = 0; c < 3; ++c) rgb.at<cv::Vec3b>(y, x)[c] = static_cast<uint8_t>((x * 37 + y * 11 + c * 50 + x * y * 13) % 256);
  auto check = [&](cv::Size size, const std::vector<int>& want) {
    const auto got = pil_bilinear_resize(rgb, size);
    ASSERT_EQ(got.size(), size);
    ASSERT_EQ(static_cast<size_t>(got.total() * 3), want.size());
    for (size_t i = 0; i < want.size(); ++i) EXPECT_EQ(got.data[i], want[i]) << size << " value " << i;
  };
  check({3, 4}, {38, 88, 138, 120, 155, 167, 159, 127, 95, 63, 113, 163, 142, 113, 101, 77, 95, 145,
                 89, 139, 157, 103, 109, 115, 135, 132, 118, 115, 123, 160, 118, 111, 143, 158, 103, 126});
  check({5, 2}, {28, 78, 128, 89, 139, 183, 141, 135, 116, 117, 108, 117, 120, 108, 127,
                 58, 108, 158, 151, 156, 148, 98, 94, 118, 121, 129, 132, 154, 106, 121});
  check({7, 3}, {5, 55, 105, 47, 97, 147, 90, 140, 190, 132, 182, 123, 175, 115, 165, 108, 158, 62, 150, 54, 104,
                 22, 72, 122, 85, 135, 185, 148, 198, 191, 154, 62, 55, 75, 68, 118, 81, 131, 124, 144, 137, 187,
                 39, 89, 139, 123, 173, 223, 206, 110, 50, 34, 84, 134, 117, 167, 217, 200, 104, 44, 138, 78, 128});
  const auto up = pil_bilinear_resize(rgb, {12, 9});  // upscaling: the plain triangle filter
  EXPECT_EQ(up.at<cv::Vec3b>(0, 0), cv::Vec3b(0, 50, 100));
  EXPECT_EQ(up.at<cv::Vec3b>(0, 1), cv::Vec3b(14, 64, 114));
  EXPECT_EQ(up.at<cv::Vec3b>(8, 11), cv::Vec3b(66, 116, 166));
}

TEST(Crop, FacenetPytorchBoxGrowsTheMarginInOutputPixels) {
  // extract_face(box=[50, 60, 150, 180], image_size=160, margin=20): margin = 20 * (100, 120) / 140
  // = (14.2857, 17.1429); box = int(50 - 7.1429), int(60 - 8.5714), int(150 + 7.1429), int(180 + 8.5714).
  const auto b = facenet_pytorch_box(cv::Rect2f(50, 60, 100, 120), 20, 160, 400, 300);
  EXPECT_EQ(b.x, 42);
  EXPECT_EQ(b.y, 51);
  EXPECT_EQ(b.width, 157 - 42);
  EXPECT_EQ(b.height, 188 - 51);
  const auto edge = facenet_pytorch_box(cv::Rect2f(-3.5f, 2, 100, 100), 40, 160, 90, 95);  // clipped on every side
  EXPECT_EQ(edge.x, 0);
  EXPECT_EQ(edge.y, 0);
  EXPECT_EQ(edge.width, 90);
  EXPECT_EQ(edge.height, 95);
  const auto zero = facenet_pytorch_box(cv::Rect2f(10.7f, 20.2f, 30.6f, 40.9f), 0, 160, 400, 300);  // margin 0: int()
  EXPECT_EQ(zero.x, 10);
  EXPECT_EQ(zero.y, 20);
  EXPECT_EQ(zero.width, 41 - 10);
  EXPECT_EQ(zero.height, 61 - 20);
  EXPECT_THROW(facenet_pytorch_box(cv::Rect2f(0, 0, 10, 10), 160, 160, 100, 100), Error);
}

TEST(Crop, DavidsandbergMarginTruncatesRealValuedBoxes) {
  // align_dataset_mtcnn: bb = int32([max(x1 - 16, 0), max(y1 - 16, 0), min(x2 + 16, w), min(y2 + 16, h)])
  const auto b = margin_box(cv::Rect2f(71.19f, 62.29f, 85.34f, 121.28f), 32, 250, 250);
  EXPECT_EQ(b.x, 55);
  EXPECT_EQ(b.y, 46);
  EXPECT_EQ(b.width, 172 - 55);   // int(156.53 + 16)
  EXPECT_EQ(b.height, 199 - 46);  // int(183.57 + 16)
}
