// Exact values of the shared preprocessing: normalisation modes, channel order, letterbox
// geometry, centre crop, flip, JSON round trip and the batch loader for paths.
#include "facenet/data/preprocess.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include "data/test_util.h"
#include "facenet/core/error.h"

using namespace facenet;
using namespace facenet::data;

namespace {
PreprocessConfig cfg(int64_t size, Normalization n = Normalization::Fixed, ResizeMode r = ResizeMode::Resize) {
  PreprocessConfig c;
  c.image_size = size;
  c.normalization = n;
  c.resize = r;
  return c;
}
}  // namespace

TEST(Preprocess, NormalisationModesExactValues) {
  const cv::Mat img(20, 30, CV_8UC3, cv::Scalar(200, 200, 200));
  const auto fixed = preprocess_image(img, cfg(16, Normalization::Fixed));
  ASSERT_EQ(fixed.sizes(), (std::vector<int64_t>{3, 16, 16}));
  EXPECT_EQ(fixed.min().item<float>(), (200.f - 127.5f) / 128.f);  // 0.56640625, exact in float
  EXPECT_EQ(fixed.max().item<float>(), 0.56640625f);
  const auto unit = preprocess_image(img, cfg(16, Normalization::Unit));
  EXPECT_FLOAT_EQ(unit.min().item<float>(), 200.f / 255.f);
  EXPECT_FLOAT_EQ(unit.max().item<float>(), 200.f / 255.f);
  const auto sym = preprocess_image(img, cfg(16, Normalization::Symmetric));
  EXPECT_FLOAT_EQ(sym.min().item<float>(), (200.f / 255.f - 0.5f) / 0.5f);
  EXPECT_FLOAT_EQ(sym.max().item<float>(), (200.f / 255.f - 0.5f) / 0.5f);
}

TEST(Preprocess, ChannelOrder) {
  const cv::Mat img(8, 8, CV_8UC3, cv::Scalar(10, 20, 30));  // B, G, R
  auto c = cfg(8, Normalization::Unit);
  auto rgb = preprocess_image(img, c);
  EXPECT_FLOAT_EQ(rgb[0][3][3].item<float>(), 30.f / 255.f);
  EXPECT_FLOAT_EQ(rgb[1][3][3].item<float>(), 20.f / 255.f);
  EXPECT_FLOAT_EQ(rgb[2][3][3].item<float>(), 10.f / 255.f);
  c.channel_order = ChannelOrder::BGR;
  auto bgr = preprocess_image(img, c);
  EXPECT_FLOAT_EQ(bgr[0][3][3].item<float>(), 10.f / 255.f);
  EXPECT_FLOAT_EQ(bgr[2][3][3].item<float>(), 30.f / 255.f);
}

TEST(Preprocess, LetterboxGeometry) {
  // 100x50 white -> 64: scale 0.64, content 64x32 pasted at y = (64-32)/2 = 16.
  const cv::Mat img(50, 100, CV_8UC3, cv::Scalar(255, 255, 255));
  const auto t = preprocess_image(img, cfg(64, Normalization::Unit, ResizeMode::Letterbox));
  const float grey = 128.f / 255.f;
  for (int y : {0, 15, 48, 63})
    for (int x : {0, 31, 63})
      for (int c = 0; c < 3; ++c) EXPECT_FLOAT_EQ(t[c][y][x].item<float>(), grey) << y << "," << x;
  EXPECT_TRUE(torch::all(t.slice(1, 16, 48) == 1.f).item<bool>());
  EXPECT_TRUE(torch::all(t.slice(1, 0, 16) == grey).item<bool>());
  EXPECT_TRUE(torch::all(t.slice(1, 48, 64) == grey).item<bool>());
  // Tall image: columns padded instead (50x100 -> 32 wide at x = 16).
  const cv::Mat tall(100, 50, CV_8UC3, cv::Scalar(255, 255, 255));
  const auto u = preprocess_image(tall, cfg(64, Normalization::Unit, ResizeMode::Letterbox));
  EXPECT_TRUE(torch::all(u.slice(2, 16, 48) == 1.f).item<bool>());
  EXPECT_TRUE(torch::all(u.slice(2, 0, 16) == grey).item<bool>());
}

TEST(Preprocess, CentreCropTakesTheMiddle) {
  cv::Mat img(100, 120, CV_8UC3, cv::Scalar(0, 0, 0));
  img(cv::Rect(35, 25, 50, 50)).setTo(cv::Scalar(255, 255, 255));  // centre 50x50 of 120x100
  auto c = cfg(50, Normalization::Unit);
  c.center_crop = 50;
  EXPECT_TRUE(torch::all(preprocess_image(img, c) == 1.f).item<bool>());
  c.center_crop = 60;  // now a 5-pixel black border shows
  const auto t = preprocess_image(img, c);
  EXPECT_FLOAT_EQ(t.min().item<float>(), 0.f);
}

TEST(Preprocess, FlipMirrorsColumns) {
  cv::Mat img(4, 4, CV_8UC3, cv::Scalar(0, 0, 0));
  img.col(0).setTo(cv::Scalar(255, 255, 255));
  const auto c = cfg(4, Normalization::Unit);
  const auto plain = preprocess_image(img, c), flipped = preprocess_image(img, c, true);
  EXPECT_FLOAT_EQ(plain[0][2][0].item<float>(), 1.f);
  EXPECT_FLOAT_EQ(plain[0][2][3].item<float>(), 0.f);
  EXPECT_TRUE(torch::equal(flipped, plain.flip({2})));
}

TEST(Preprocess, AugmentationIsSeededAndBounded) {
  AugmentConfig a;
  a.crop_scale = 0.2;
  a.rotation = 10;
  a.color_jitter = 0.3;
  const auto x = draw_augmentation(a, sample_seed(1, 5, 7)), y = draw_augmentation(a, sample_seed(1, 5, 7));
  EXPECT_EQ(x.flip, y.flip);
  EXPECT_EQ(x.angle, y.angle);
  EXPECT_EQ(x.crop, y.crop);
  EXPECT_NE(sample_seed(1, 5, 7), sample_seed(1, 5, 8));
  EXPECT_NE(sample_seed(1, 5, 7), sample_seed(1, 6, 7));
  int flips = 0;
  for (int i = 0; i < 200; ++i) {
    const auto d = draw_augmentation(a, sample_seed(3, i, 0));
    flips += d.flip;
    EXPECT_GE(d.crop, 0.8);
    EXPECT_LE(d.crop, 1.0);
    EXPECT_LE(std::abs(d.angle), 10.0);
    EXPECT_LE(std::abs(d.brightness - 1.f), 0.3f + 1e-6f);
  }
  EXPECT_GT(flips, 60);
  EXPECT_LT(flips, 140);
  // An augmented image stays finite and in the normalised range.
  cv::Mat img(40, 40, CV_8UC3);
  cv::randu(img, 0, 255);
  std::vector<float> out(3 * 32 * 32);
  preprocess_into(img, cfg(32), &x, out.data());
  for (float v : out) ASSERT_TRUE(v >= -1.f && v <= 1.f) << v;
}

TEST(Preprocess, JsonRoundTrip) {
  PreprocessConfig c;
  c.image_size = 112;
  c.center_crop = 180;
  c.resize = ResizeMode::Letterbox;
  c.normalization = Normalization::Symmetric;
  c.channel_order = ChannelOrder::BGR;
  const nlohmann::json j = c;
  EXPECT_EQ(j.dump(),
            R"({"center_crop":180,"channel_order":"bgr","image_size":112,"normalization":"symmetric","resize":"letterbox"})");
  const auto back = j.get<PreprocessConfig>();
  EXPECT_EQ(back.image_size, 112);
  EXPECT_EQ(back.center_crop, 180);
  EXPECT_EQ(back.resize, ResizeMode::Letterbox);
  EXPECT_EQ(back.normalization, Normalization::Symmetric);
  EXPECT_EQ(back.channel_order, ChannelOrder::BGR);
  EXPECT_THROW(nlohmann::json::parse(R"({"normalization":"zscore"})").get<PreprocessConfig>(), Error);
  EXPECT_EQ(nlohmann::json::parse("{}").get<PreprocessConfig>().image_size, 160);
}

TEST(Preprocess, LoadImagesMatchesPreprocessImage) {
  facenet::test::TempDir dir;
  std::vector<std::string> paths;
  for (int i = 0; i < 5; ++i) {
    cv::Mat img(30 + i, 40, CV_8UC3);
    cv::randu(img, 0, 255);
    paths.push_back((dir / ("i" + std::to_string(i) + ".png")).string());
    cv::imwrite(paths.back(), img);
  }
  const auto c = cfg(24);
  const auto batch = load_images(paths, c, true, 3);
  ASSERT_EQ(batch.sizes(), (std::vector<int64_t>{5, 3, 24, 24}));
  for (int i = 0; i < 5; ++i)
    EXPECT_TRUE(torch::equal(batch[i], preprocess_image(cv::imread(paths[i]), c, true))) << i;
  paths.push_back((dir / "missing.jpg").string());
  try {
    load_images(paths, c, false, 2);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("missing.jpg"), std::string::npos) << e.what();
  }
}
