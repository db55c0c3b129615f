// infer::photo_embed_fn (`eval --detect`): the face each photo gives the network, the centre
// square of a photo without one, detection once per photo, and the counts it reports. The
// "network" averages each input channel, so what it saw can be checked by hand.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>
#include <opencv2/imgcodecs.hpp>

#include "data/test_util.h"
#include "facenet/core/error.h"
#include "facenet/data/preprocess.h"
#include "facenet/data/synth.h"
#include "facenet/detect/crop.h"
#include "facenet/infer/network_embed.h"
#include "facenet/infer/photo_embed.h"

using namespace facenet;
using facenet::test::TempDir;
namespace fs = std::filesystem;

namespace {

// (N, 3, S, S) -> (N, 3): the mean of each channel.
torch::Tensor channel_means(const torch::Tensor& images) { return images.mean({2, 3}); }

infer::ExportMeta meta64() {
  infer::ExportMeta m;
  m.input_size = 64;
  m.preprocess.image_size = 64;
  return m;
}

infer::FacePlan plan_for(const std::string& detector, const infer::ExportMeta& meta) {
  detect::DetectRequest request;
  request.detector = detector;
  return infer::face_plan(meta, request);
}

}  // namespace

TEST(PhotoEmbed, DetectorNoneEmbedsTheWholePhotoAsTheFilesPathDoes) {
  TempDir dir;
  std::vector<std::string> paths;
  for (int i = 0; i < 3; ++i) {
    cv::Mat img;
    data::render_synth_face(2, 0, i, 0, 64, img);
    paths.push_back((dir / ("f" + std::to_string(i) + ".png")).string());
    cv::imwrite(paths.back(), img);
  }
  const auto meta = meta64();
  auto photos = infer::photo_embed_fn(channel_means, meta, plan_for("none", meta), 2);
  const auto files = infer::files_embed_fn(channel_means, meta.preprocess, 2);
  for (bool flip : {false, true}) EXPECT_TRUE(torch::equal(photos.embed(paths, flip), files(paths, flip))) << flip;
  const auto s = photos.summary();
  EXPECT_TRUE(s.active);
  EXPECT_EQ(s.crop.detector, FaceDetector::None);
  EXPECT_EQ(s.photos, 3);  // detected once each, although embedded twice
  EXPECT_EQ(s.without_face, 0);
}

TEST(PhotoEmbed, APhotoWithoutAFaceGivesItsCentreSquare) {
  if (!fs::exists(detect::default_haar_cascade())) GTEST_SKIP() << "opencv-data not installed";
  TempDir dir;
  // Black, with a white 100x100 centre square: no face; its centre square is all white, which the
  // fixed normalisation maps to (255 - 127.5) / 128 in every channel.
  cv::Mat img(100, 160, CV_8UC3, cv::Scalar(0, 0, 0));
  img(cv::Rect(30, 0, 100, 100)).setTo(cv::Scalar(255, 255, 255));
  const auto path = (dir / "blank.png").string();
  cv::imwrite(path, img);
  const auto meta = meta64();
  auto photos = infer::photo_embed_fn(channel_means, meta, plan_for("haar", meta), 1);
  const auto e = photos.embed({path, path}, false);
  ASSERT_EQ(e.sizes(), (std::vector<int64_t>{2, 3}));
  for (int64_t k = 0; k < 6; ++k) EXPECT_FLOAT_EQ(e.view(-1)[k].item<float>(), (255 - 127.5f) / 128) << k;
  photos.embed({path}, true);
  const auto s = photos.summary();
  EXPECT_EQ(s.photos, 1);
  EXPECT_EQ(s.without_face, 1);
  EXPECT_EQ(s.crop.rule, CropRule::Margin);  // a model trained on crops: davidsandberg's rule
  EXPECT_EQ(s.crop.margin, 32);
}

TEST(PhotoEmbed, AFoundFaceIsCutByThePlansRule) {
  if (!fs::exists(detect::default_haar_cascade())) GTEST_SKIP() << "opencv-data not installed";
  TempDir dir;
  // A drawn face the cascade finds, pasted on grey: the network sees its margin crop.
  detect::DetectOptions haar;
  haar.detector = FaceDetector::Haar;
  cv::Mat photo;
  std::vector<detect::Face> faces;
  for (int id = 0; id < 40 && faces.empty(); ++id) {
    cv::Mat face;
    data::render_synth_face(3, 0, id, 0, 120, face);
    photo = cv::Mat(200, 260, CV_8UC3, cv::Scalar(128, 128, 128));
    face.copyTo(photo(cv::Rect(70, 40, 120, 120)));
    faces = detect::detect_faces(photo, haar);
  }
  ASSERT_FALSE(faces.empty());
  const auto path = (dir / "photo.png").string();
  cv::imwrite(path, photo);
  const auto meta = meta64();
  const auto plan = plan_for("haar", meta);
  auto photos = infer::photo_embed_fn(channel_means, meta, plan, 1);
  const auto& face = faces[static_cast<size_t>(detect::central_face(faces, photo.size()))];
  const auto expected = channel_means(
      data::preprocess_image(detect::crop_face(photo, face, plan.crop, 64), meta.preprocess, true).unsqueeze(0));
  EXPECT_TRUE(torch::equal(photos.embed({path}, true), expected));
  EXPECT_EQ(photos.summary().without_face, 0);
}

TEST(PhotoEmbed, UnreadablePhotoOrMissingDetectorIsAnError) {
  TempDir dir;
  facenet::test::write_text(dir / "broken.jpg", "not an image");
  const auto meta = meta64();
  auto photos = infer::photo_embed_fn(channel_means, meta, plan_for("none", meta), 1);
  try {
    photos.embed({(dir / "broken.jpg").string()}, false);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("broken.jpg"), std::string::npos) << e.what();
  }
  EXPECT_THROW(infer::photo_embed_fn(channel_means, meta, plan_for("yunet", meta), 1), Error);  // no model given
}
