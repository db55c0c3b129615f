// MTCNN against facenet-pytorch's cascade: the fixture photo (six synthetic faces) and the faces
// its code finds there (bench/peer_mtcnn.py over the same weight files, scripts/experiments/
// mtcnn_fixture.sh), batching, other image kinds, and the weight files' checks.
#include "facenet/detect/mtcnn.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "data/test_util.h"
#include "facenet/core/error.h"
#include "facenet/core/fs.h"

using namespace facenet;
using namespace facenet::detect;
using facenet::test::TempDir;
namespace fs = std::filesystem;

namespace {

const std::string kFixtures = std::string(FACENET_SOURCE_DIR) + "/tests/detect/fixtures/";

cv::Mat group_photo() { return cv::imread(kFixtures + "mtcnn_synth_group.png", cv::IMREAD_COLOR); }

/// facenet-pytorch's faces (largest first): x1, y1, x2, y2, probability, 5 landmarks.
nlohmann::json reference(const std::string& name) {
  std::ifstream in(kFixtures + name);
  return nlohmann::json::parse(in).at(0).at("faces");
}

std::vector<Face> largest_first(std::vector<Face> faces) {
  std::stable_sort(faces.begin(), faces.end(), [](const Face& a, const Face& b) { return a.box.area() > b.box.area(); });
  return faces;
}

void expect_matches(const std::vector<Face>& got, const nlohmann::json& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    const auto& w = want[i];
    const auto& b = got[i].box;
    EXPECT_NEAR(b.x, w["box"][0].get<double>(), 0.01) << "face " << i;
    EXPECT_NEAR(b.y, w["box"][1].get<double>(), 0.01) << "face " << i;
    EXPECT_NEAR(b.x + b.width, w["box"][2].get<double>(), 0.01) << "face " << i;
    EXPECT_NEAR(b.y + b.height, w["box"][3].get<double>(), 0.01) << "face " << i;
    EXPECT_NEAR(got[i].score, w["prob"].get<double>(), 1e-5) << "face " << i;
    ASSERT_TRUE(got[i].has_landmarks);
    for (int k = 0; k < 5; ++k) {
      EXPECT_NEAR(got[i].landmarks[k].x, w["landmarks"][k][0].get<double>(), 0.01) << "face " << i << " point " << k;
      EXPECT_NEAR(got[i].landmarks[k].y, w["landmarks"][k][1].get<double>(), 0.01) << "face " << i << " point " << k;
    }
  }
}

}  // namespace

TEST(Mtcnn, FindsTheFacesFacenetPytorchFinds) {
  const Mtcnn mtcnn;
  const auto photo = group_photo();
  ASSERT_FALSE(photo.empty());
  expect_matches(largest_first(mtcnn.detect(photo)), reference("mtcnn_synth_group.json"));
}

TEST(Mtcnn, ThresholdsAndMinFaceAreFacenetPytorchs) {
  MtcnnOptions o;
  o.thresholds = {0.3f, 0.4f, 0.5f};
  o.min_face_size = 40;
  expect_matches(largest_first(Mtcnn(o).detect(group_photo())), reference("mtcnn_synth_group_low.json"));
}

TEST(Mtcnn, ABatchGivesEachImageItsOwnFaces) {
  const Mtcnn mtcnn;
  const auto photo = group_photo();
  cv::Mat mirrored, small;
  cv::flip(photo, mirrored, 1);
  cv::resize(photo, small, cv::Size(240, 180), 0, 0, cv::INTER_AREA);
  const auto one = mtcnn.detect(photo), two = mtcnn.detect(mirrored), three = mtcnn.detect(small);
  // Two sizes: the 480x360 photos run as one batch, the small one alone.
  const auto all = mtcnn.detect(std::vector<cv::Mat>{photo, small, mirrored, cv::Mat(), photo});
  ASSERT_EQ(all.size(), 5u);
  auto same = [](const std::vector<Face>& a, const std::vector<Face>& b) {
    ASSERT_EQ(a.size(), b.size());
    // A batch's convolutions may sum in another order: equal to float rounding, not bit for bit.
    for (size_t i = 0; i < a.size(); ++i) {
      EXPECT_NEAR(a[i].box.x, b[i].box.x, 1e-2);
      EXPECT_NEAR(a[i].box.y, b[i].box.y, 1e-2);
      EXPECT_NEAR(a[i].box.width, b[i].box.width, 1e-2);
      EXPECT_NEAR(a[i].score, b[i].score, 1e-5);
    }
  };
  same(all[0], one);
  same(all[1], three);
  same(all[2], two);
  EXPECT_TRUE(all[3].empty());
  same(all[4], one);
}

TEST(Mtcnn, GreyAndAlphaImagesAreDetectedLikeTheirColourImage) {
  const Mtcnn mtcnn;
  cv::Mat grey, grey3, bgra;
  cv::cvtColor(group_photo(), grey, cv::COLOR_BGR2GRAY);
  cv::cvtColor(grey, grey3, cv::COLOR_GRAY2BGR);
  cv::cvtColor(group_photo(), bgra, cv::COLOR_BGR2BGRA);
  const auto from_grey = mtcnn.detect(grey), from_grey3 = mtcnn.detect(grey3);
  ASSERT_EQ(from_grey.size(), from_grey3.size());
  for (size_t i = 0; i < from_grey.size(); ++i) EXPECT_EQ(from_grey[i].box, from_grey3[i].box);
  const auto colour = mtcnn.detect(group_photo()), alpha = mtcnn.detect(bgra);
  ASSERT_EQ(colour.size(), alpha.size());
  for (size_t i = 0; i < colour.size(); ++i) EXPECT_EQ(colour[i].box, alpha[i].box);
  cv::Mat sixteen;
  group_photo().convertTo(sixteen, CV_16UC3, 257);
  EXPECT_THROW(mtcnn.detect(sixteen), Error);  // decoding makes 8 bits; a caller's 16-bit Mat is refused
}

TEST(Mtcnn, APhotoWithoutAFaceGivesNone) {
  EXPECT_TRUE(Mtcnn().detect(cv::Mat(300, 400, CV_8UC3, cv::Scalar(90, 120, 200))).empty());
  EXPECT_TRUE(Mtcnn().detect(cv::Mat(10, 10, CV_8UC3, cv::Scalar::all(0))).empty());  // below one 12 px window
}

TEST(Mtcnn, AMissingWeightFileNamesTheExpectedPath) {
  TempDir dir;
  for (const char* f : {"pnet.pt", "onet.pt"}) fs::copy_file(default_mtcnn_dir() + "/" + f, dir / f);
  MtcnnOptions o;
  o.weights_dir = dir.str();
  try {
    Mtcnn m(o);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find((dir / "rnet.pt").string()), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("missing"), std::string::npos) << e.what();
  }
}

TEST(Mtcnn, DamagedWeightFilesAreRefusedWithTheirName) {
  TempDir dir;
  for (const char* f : {"pnet.pt", "rnet.pt", "onet.pt", "CRC32C"}) fs::copy_file(default_mtcnn_dir() + "/" + f, dir / f);
  MtcnnOptions o;
  o.weights_dir = dir.str();
  auto refused = [&](const std::string& why) {
    try {
      Mtcnn m(o);
      ADD_FAILURE() << why << ": expected an error";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("onet.pt"), std::string::npos) << why << ": " << e.what();
      EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << why << ": one line: " << e.what();
    }
  };
  const auto good = read_file(dir / "onet.pt");
  auto flipped = good;
  flipped[flipped.size() / 2] ^= 0x40;  // inside a weight: only the digest notices
  write_file_atomic((dir / "onet.pt").string(), flipped);
  refused("a flipped byte");
  write_file_atomic((dir / "onet.pt").string(), good.substr(0, good.size() / 3));
  refused("a truncated file");
  fs::remove(dir / "CRC32C");  // without the digest list the reader's own checks remain
  refused("a truncated file without digests");
  write_file_atomic((dir / "onet.pt").string(), read_file(dir / "rnet.pt"));
  refused("another network's file");
  write_file_atomic((dir / "onet.pt").string(), "not a torch file");
  refused("garbage");
}
