// `facenet eval --detect` as a user runs it: pairs of uncropped photos, each face detected and cut
// before the network, and the report saying how many photos had no face.
#include <gtest/gtest.h>
#include <torch/torch.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>

#include "facenet/checkpoint/checkpoint.h"
#include "facenet/core/fs.h"
#include "facenet/data/synth.h"
#include "facenet/detect/detector.h"
#include "facenet/models/facenet.h"
#include "support/cli_runner.h"

using facenet::test::run_cli;
namespace fs = std::filesystem;

namespace {

struct Setup {
  std::string dir, model, photos, pairs;
  std::vector<std::string> images;  // relative to photos
};

// An untrained 16-d model at 64 px; photos/<id>/<k>.png for 6 drawn people x 3 images; a list
// pairs file of every same pair (18) and as many different ones, over all 18 images.
const Setup& setup() {
  static const Setup s = [] {
    Setup x;
    x.dir = (fs::temp_directory_path() / ("facenet_cli_eval_detect_" + std::to_string(::getpid()))).string();
    fs::remove_all(x.dir);
    fs::create_directories(x.dir);
    torch::manual_seed(5);
    facenet::Config config;
    config.model.embedding_size = 16;
    config.data.preprocess.image_size = 64;
    auto model = facenet::models::make_model(config.model);
    x.model = x.dir + "/model.ckpt";
    facenet::save_checkpoint(x.model, {config, facenet::TrainingState{}, 0, *model});
    x.photos = x.dir + "/photos";
    for (int id = 0; id < 6; ++id)
      for (int k = 0; k < 3; ++k) {
        cv::Mat img;
        facenet::data::render_synth_face(9, 0, id, k, 96, img);
        x.images.push_back("p" + std::to_string(id) + "/" + std::to_string(k) + ".png");
        fs::create_directories(x.photos + "/p" + std::to_string(id));
        cv::imwrite(x.photos + "/" + x.images.back(), img);
      }
    std::string pairs;
    for (int id = 0; id < 6; ++id)
      for (int a = 0; a < 3; ++a)
        for (int b = a + 1; b < 3; ++b) {
          pairs += x.images[id * 3 + a] + " " + x.images[id * 3 + b] + " 1\n";
          pairs += x.images[id * 3 + a] + " " + x.images[((id + 1) % 6) * 3 + b] + " 0\n";
        }
    x.pairs = x.dir + "/pairs.txt";
    facenet::write_file_atomic(x.pairs, pairs);
    return x;
  }();
  return s;
}

std::string eval_args(const Setup& s, const std::string& out) {
  return "eval --checkpoint " + s.model + " --data-dir " + s.photos + " --pairs " + s.pairs +
         " --pairs-format list --folds 2 --threads 2 --out " + s.dir + "/" + out;
}

nlohmann::json report(const Setup& s, const std::string& out) {
  return nlohmann::json::parse(facenet::read_file(s.dir + "/" + out + "/report.json"));
}

}  // namespace

TEST(EvalDetectCli, DetectorNoneScoresAsThePlainEvaluation) {
  const auto& s = setup();
  auto r = run_cli(eval_args(s, "plain"));
  ASSERT_EQ(r.code, 0) << r.output;
  r = run_cli(eval_args(s, "none") + " --detect none");
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("faces: 18 photos, detector none, crop none (margin 32) to 64 px; 0 without a face"),
            std::string::npos) << r.output;
  const auto plain = report(s, "plain"), none = report(s, "none");
  EXPECT_FALSE(plain.contains("face_detection"));
  // The whole photo is the face, resized to the input as the plain path resizes it.
  EXPECT_EQ(none["accuracy_mean"], plain["accuracy_mean"]);
  EXPECT_EQ(none["auc"], plain["auc"]);
  EXPECT_EQ(none["face_detection"]["detector"], "none");
  EXPECT_EQ(none["face_detection"]["photos"], 18);
  EXPECT_EQ(none["face_detection"]["without_face"], 0);
}

TEST(EvalDetectCli, HaarCountsThePhotosWithoutAFace) {
  const auto& s = setup();
  if (!fs::exists(facenet::detect::default_haar_cascade())) GTEST_SKIP() << "opencv-data not installed";
  facenet::detect::FaceFinder haar(facenet::detect::DetectOptions{facenet::FaceDetector::Haar});
  int64_t missed = 0;
  for (const auto& image : s.images) missed += haar.detect(cv::imread(s.photos + "/" + image)).empty();
  auto r = run_cli(eval_args(s, "haar") + " --detect haar");
  ASSERT_EQ(r.code, 0) << r.output;
  const auto j = report(s, "haar")["face_detection"];
  EXPECT_EQ(j["detector"], "haar");
  EXPECT_EQ(j["crop_rule"], "margin");  // the model was trained on crops: davidsandberg's margin 32
  EXPECT_EQ(j["margin"], 32);
  EXPECT_EQ(j["size"], 64);
  EXPECT_EQ(j["photos"], 18);
  EXPECT_EQ(j["without_face"], missed);
  EXPECT_EQ(j["without_face_action"], "centre_square");
  EXPECT_NE(r.output.find("faces: 18 photos, detector haar, crop margin (margin 32) to 64 px; " +
                          std::to_string(missed) + " without a face (their centre square embedded)"),
            std::string::npos) << r.output;
}

TEST(EvalDetectCli, BareDetectIsMtcnnAndBinSetsRefuseIt) {
  const auto& s = setup();
  auto r = run_cli(eval_args(s, "mtcnn") + " --detect");
  ASSERT_EQ(r.code, 0) << r.output;
  const auto j = report(s, "mtcnn")["face_detection"];
  EXPECT_EQ(j["detector"], "mtcnn");
  EXPECT_EQ(j["photos"], 18);
  EXPECT_LE(j["without_face"].get<int64_t>(), 18);
  EXPECT_LE(j["haar_fallbacks"].get<int64_t>(), 18);
  r = run_cli("eval --checkpoint " + s.model + " --bin " + s.dir + "/x.bin --detect");
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.output.find("eval --detect scores pairs of photos"), std::string::npos) << r.output;
}

TEST(EvalDetectCli, EvalIdentifyTakesTheDetectorOptions) {
  const auto& s = setup();
  // The photos as gallery folder and as probes: with the whole photo as the face (none: as without
  // --detect) each probe is an enrolled image, found at rank 1.
  const auto base = "eval-identify --model " + s.model + " --gallery " + s.photos + " --probes " + s.photos;
  auto r = run_cli(base + " --detect none");
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_EQ(r.output.find("probe faces:"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("rank-1 identification rate: 1.0000"), std::string::npos) << r.output;
  if (!fs::exists(facenet::detect::default_haar_cascade())) GTEST_SKIP() << "opencv-data not installed";
  facenet::detect::FaceFinder haar(facenet::detect::DetectOptions{facenet::FaceDetector::Haar});
  int64_t missed = 0;
  for (const auto& image : s.images) missed += haar.detect(cv::imread(s.photos + "/" + image)).empty();
  r = run_cli(base + " --detect haar");
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("probe faces: detector haar, crop margin (margin 32); " + std::to_string(missed) +
                          " of 18 probes without a face"),
            std::string::npos) << r.output;
  EXPECT_NE(r.output.find("probes: 18 ("), std::string::npos) << r.output;  // none left out
}
