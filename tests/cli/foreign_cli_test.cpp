// A foreign ONNX model (no facenet metadata) through the CLI: the missing-statement error, then
// embed, enroll + identify with a gallery file, cluster and check with the statement given as
// flags or a sidecar; the CSV values equal the hand-computed embeddings.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <opencv2/imgcodecs.hpp>
#include <sstream>

#include "support/cli_runner.h"
#include "support/foreign_onnx.h"

using facenet::test::run_cli;
using namespace facenet::test::foreign;
namespace fs = std::filesystem;

namespace {

const std::string kFlags = " --input-mean 120,110,100 --input-std 60,50,40 --channel-order rgb --crop none";

struct Setup {
  std::string dir, model, faces;
};

// people/<a|b>/<n>.png: each person's images are one image with a little noise.
const Setup& setup() {
  static const Setup s = [] {
    Setup x;
    x.dir = facenet::test::temp_path("foreign_cli");
    fs::create_directories(x.dir);
    x.model = gemm_model("foreign_cli/model.onnx", {-1, 3, kSide, kSide});
    x.faces = x.dir + "/people";
    for (int person = 0; person < 2; ++person)
      for (int n = 0; n < 3; ++n) {
        cv::Mat img = image(10 + person);
        cv::Mat noise(img.size(), CV_8UC3);
        cv::RNG rng(100 * person + n);
        rng.fill(noise, cv::RNG::UNIFORM, 0, 6);
        img += noise;
        fs::create_directories(x.faces + "/" + std::string(1, char('a' + person)));
        cv::imwrite(x.faces + "/" + std::string(1, char('a' + person)) + "/" + std::to_string(n) + ".png", img);
      }
    return x;
  }();
  return s;
}

}  // namespace

TEST(ForeignCli, WithoutAStatementEveryModelCommandSaysWhatIsMissing) {
  const auto& s = setup();
  for (const std::string& command :
       {"embed --model " + s.model + " " + s.faces + " --out " + s.dir + "/none.csv",
        "verify --model " + s.model + " " + s.faces + "/a/0.png " + s.faces + "/b/0.png",
        "cluster " + s.faces + " --model " + s.model + " --out " + s.dir + "/none-album"}) {
    const auto r = run_cli(command);
    EXPECT_NE(r.code, 0) << command;
    EXPECT_NE(r.output.find("'" + s.model + "' has no facenet metadata: state its preprocessing with --input-mean, "
                            "--input-std, --channel-order and --crop, or a sidecar '" + s.model + ".preprocess.json'"),
              std::string::npos)
        << command << "\n" << r.output;
  }
}

TEST(ForeignCli, EmbedWritesTheHandComputedEmbeddings) {
  const auto& s = setup();
  const auto out = s.dir + "/emb.csv";
  const auto r = run_cli("embed --model " + s.model + " " + s.faces + " --out " + out + kFlags);
  ASSERT_EQ(r.code, 0) << r.output;
  std::ifstream in(out);
  std::string line;
  int rows = 0;
  while (std::getline(in, line)) {
    std::stringstream fields(line);
    std::string name, v;
    std::getline(fields, name, ',');
    if (name == "path") continue;  // a header line, if any
    std::vector<float> got;
    while (std::getline(fields, v, ',')) got.push_back(std::stof(v));
    const auto want = expected(cv::imread(s.faces + "/" + name), facenet::ChannelOrder::RGB, {120, 110, 100}, {60, 50, 40});
    ASSERT_EQ(got.size(), want.size()) << line;
    for (size_t k = 0; k < got.size(); ++k) EXPECT_NEAR(got[k], want[k], 1e-6) << name;
    ++rows;
  }
  EXPECT_EQ(rows, 6);
}

TEST(ForeignCli, GalleryIdentifyClusterAndCheckWithASidecar) {
  const auto& s = setup();
  const auto sidecar = s.dir + "/stated.yaml";
  std::ofstream(sidecar) << "mean: [120, 110, 100]\nstd: [60, 50, 40]\nchannel_order: rgb\ncrop: none\n";
  const auto gallery = s.dir + "/people.fgal";
  auto r = run_cli("enroll --model " + s.model + " --gallery " + s.faces + " --out " + gallery + " --preprocess " + sidecar);
  ASSERT_EQ(r.code, 0) << r.output;
  r = run_cli("identify --gallery " + gallery + " --probe " + s.faces + "/b/1.png --threshold 0.5 --preprocess " + sidecar);
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("result: b\n"), std::string::npos) << r.output;
  r = run_cli("cluster " + s.faces + " --model " + s.model + " --out " + s.dir + "/album --threshold 0.5" + kFlags);
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("6 faces -> 2 clusters"), std::string::npos) << r.output;
  r = run_cli("check " + s.model + " --preprocess " + sidecar);
  EXPECT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("backbone: foreign"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("stated in '" + sidecar + "'"), std::string::npos) << r.output;
}
