// `facenet detect`: MTCNN by default on the fixture group photo, its CSV and JSON, the image kinds a
// user has (grey, 16-bit, alpha), and the inputs that must give one clear line (a header that
// claims too many pixels, a truncated JPEG, bad thresholds, missing weights).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <sstream>

#include "data/test_util.h"
#include "facenet/core/fs.h"
#include "support/cli_runner.h"

using facenet::test::run_cli;
using facenet::test::TempDir;
namespace fs = std::filesystem;

namespace {

const std::string kGroup = std::string(FACENET_SOURCE_DIR) + "/tests/detect/fixtures/mtcnn_synth_group.png";

std::vector<std::string> csv_rows(const std::string& path) {
  std::istringstream in(facenet::read_file(path));
  std::vector<std::string> rows;
  for (std::string line; std::getline(in, line);) rows.push_back(line);
  return rows;
}

}  // namespace

TEST(DetectCli, MtcnnIsTheDefaultAndWritesCsvAndJson) {
  TempDir dir;
  const auto out = (dir / "faces.csv").string();
  auto r = run_cli("detect " + kGroup + " --out " + out + " --draw " + (dir / "drawn").string());
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("4 faces in 1 photos (detector mtcnn)"), std::string::npos) << r.output;
  const auto rows = csv_rows(out);
  ASSERT_EQ(rows.size(), 5u);
  EXPECT_EQ(rows[0], "path,face,x,y,width,height,score,lx0,ly0,lx1,ly1,lx2,ly2,lx3,ly3,lx4,ly4");
  EXPECT_EQ(rows[1].rfind(kGroup + ",0,", 0), 0u) << rows[1];
  const auto json = nlohmann::json::parse(facenet::read_file((dir / "faces.json").string()));
  ASSERT_EQ(json.size(), 1u);
  ASSERT_EQ(json[0]["faces"].size(), 4u);
  EXPECT_EQ(json[0]["faces"][0]["landmarks"].size(), 5u);
  // Largest first, as facenet-pytorch's select_largest orders them.
  double last = 1e9;
  for (const auto& f : json[0]["faces"]) {
    const double area = f["box"][2].get<double>() * f["box"][3].get<double>();
    EXPECT_LE(area, last);
    last = area;
  }
  EXPECT_EQ(cv::imread((dir / "drawn" / "mtcnn_synth_group.png").string()).size(), cv::Size(480, 360));
  // A bare --detect is MTCNN too; --largest keeps one face.
  r = run_cli("detect " + kGroup + " --detect --largest --out " + out);
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("1 faces in 1 photos (detector mtcnn)"), std::string::npos) << r.output;
}

TEST(DetectCli, GreySixteenBitAndAlphaPhotosAreDetected) {
  TempDir dir;
  const cv::Mat photo = cv::imread(kGroup);
  cv::Mat grey, grey16, bgra;
  cv::cvtColor(photo, grey, cv::COLOR_BGR2GRAY);
  grey.convertTo(grey16, CV_16U, 257);
  cv::cvtColor(photo, bgra, cv::COLOR_BGR2BGRA);
  cv::imwrite((dir / "grey.png").string(), grey);
  cv::imwrite((dir / "grey16.png").string(), grey16);
  cv::imwrite((dir / "alpha.png").string(), bgra);
  const auto out = (dir / "faces.csv").string();
  const auto r = run_cli("detect " + (dir / "grey.png").string() + " " + (dir / "grey16.png").string() + " " +
                         (dir / "alpha.png").string() + " --out " + out + " --no-haar-fallback");
  ASSERT_EQ(r.code, 0) << r.output;
  int grey_rows = 0, grey16_rows = 0, alpha_rows = 0;
  for (const auto& row : csv_rows(out)) {
    grey_rows += row.find("grey.png,") != std::string::npos;
    grey16_rows += row.find("grey16.png,") != std::string::npos;
    alpha_rows += row.find("alpha.png,") != std::string::npos;
  }
  EXPECT_GE(grey_rows, 2);
  EXPECT_EQ(grey16_rows, grey_rows);  // decoded to the same 8-bit grey
  EXPECT_EQ(alpha_rows, 4);           // the alpha channel is dropped: the colour photo's faces
}

TEST(DetectCli, BadPhotosAreSkippedWithOneLineAndBadOptionsRefused) {
  TempDir dir;
  // A PNG whose header claims 100000 x 100000 pixels, a truncated JPEG, a photo without a face.
  std::string png = "\x89PNG\r\n\x1a\n";
  png += std::string("\0\0\0\x0dIHDR", 8) + std::string("\0\x01\x86\xa0\0\x01\x86\xa0\x08\x02\0\0\0", 13) + "CRC!";
  facenet::write_file_atomic((dir / "huge.png").string(), png);
  std::vector<uchar> jpeg;
  cv::imencode(".jpg", cv::imread(kGroup), jpeg);
  facenet::write_file_atomic((dir / "cut.jpg").string(), std::string(jpeg.begin(), jpeg.begin() + jpeg.size() / 2));
  cv::imwrite((dir / "wall.png").string(), cv::Mat(200, 300, CV_8UC3, cv::Scalar(40, 160, 90)));
  const auto out = (dir / "faces.csv").string();
  auto r = run_cli("detect " + dir.str() + " --out " + out);
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("0 faces in 1 photos (detector mtcnn); 1 without a face, 2 unreadable"), std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("huge.png"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("cut.jpg"), std::string::npos) << r.output;
  EXPECT_EQ(csv_rows(out).size(), 1u);  // the header only

  r = run_cli("detect " + kGroup + " --out " + out + " --thresholds 0.5");
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.output.find("mtcnn takes 3 values"), std::string::npos) << r.output;
  r = run_cli("detect " + kGroup + " --out " + out + " --detect-model " + (dir / "no-weights").string());
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.output.find((dir / "no-weights" / "pnet.pt").string()), std::string::npos) << r.output;
  r = run_cli("detect " + kGroup + " --out " + out + " --detect fancy");
  EXPECT_NE(r.code, 0);
}
