// `facenet enroll / identify --gallery FILE / eval-identify` as a user runs them.
#include <gtest/gtest.h>
#include <torch/torch.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "facenet/checkpoint/checkpoint.h"
#include "facenet/core/fs.h"
#include "facenet/detect/crop.h"
#include "facenet/detect/detector.h"
#include "facenet/data/synth.h"
#include "facenet/models/facenet.h"
#include "support/cli_runner.h"

using facenet::test::run_cli;
namespace fs = std::filesystem;

namespace {

struct Setup {
  std::string dir, model, other_model, people, probes;
};

std::string make_checkpoint(const std::string& path, int seed, double threshold) {
  torch::manual_seed(seed);
  facenet::Config config;
  config.model.embedding_size = 16;
  config.data.preprocess.image_size = 64;
  auto model = facenet::models::make_model(config.model);
  facenet::TrainingState state;
  state.threshold_at_far = threshold;
  facenet::save_checkpoint(path, {config, state, 0, *model});
  return path;
}

void face(const std::string& path, int id, int i) {
  fs::create_directories(fs::path(path).parent_path());
  cv::Mat img;
  facenet::data::render_synth_face(5, 0, id, i, 64, img);
  cv::imwrite(path, img);
}

// Untrained 16-d models (threshold 1e-3: only an identical image is "known"); people/ holds
// person0..3 x images 0,1; probes/ holds person0..3 image 1 (mated, identical to an enrolled
// image) and person8, person9 (non-mated).
const Setup& setup() {
  static const Setup s = [] {
    Setup x;
    x.dir = (fs::temp_directory_path() / ("facenet_cli_gallery_" + std::to_string(::getpid()))).string();
    fs::remove_all(x.dir);
    fs::create_directories(x.dir);
    x.model = make_checkpoint(x.dir + "/model.ckpt", 3, 1e-3);
    x.other_model = make_checkpoint(x.dir + "/other.ckpt", 4, 1e-3);
    x.people = x.dir + "/people";
    x.probes = x.dir + "/probes";
    for (int id = 0; id < 4; ++id)
      for (int i = 0; i < 2; ++i) face(x.people + "/person" + std::to_string(id) + "/" + std::to_string(i) + ".png", id, i);
    for (int id = 0; id < 4; ++id) face(x.probes + "/person" + std::to_string(id) + "/1.png", id, 1);
    for (int id = 8; id < 10; ++id) face(x.probes + "/person" + std::to_string(id) + "/0.png", id, 0);
    return x;
  }();
  return s;
}

}  // namespace

TEST(CliGallery, EnrollIdentifyUnknownAndRefusals) {
  const auto& s = setup();
  const auto gal = s.dir + "/g.fgal";
  auto r = run_cli("enroll --model " + s.model + " --gallery " + s.people + " --out " + gal);
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("enrolled 8 images (4 new identities)"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("4 identities, 8 embeddings"), std::string::npos) << r.output;

  // Loaded, not re-embedded: the model comes from the file; an identical image is known.
  r = run_cli("identify --gallery " + gal + " --probe " + s.people + "/person2/1.png -k 2");
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("gallery: 4 identities, 8 images"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("result: person2"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("  1  person2"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find(" 0.0000  (2 images)  match"), std::string::npos) << r.output;
  // A face of nobody enrolled is beyond the threshold: unknown.
  r = run_cli("identify --model " + s.model + " --gallery " + gal + " --probe " + s.probes + "/person9/0.png");
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("result: unknown"), std::string::npos) << r.output;

  // Another model is refused, by identify and by enroll --add.
  r = run_cli("identify --model " + s.other_model + " --gallery " + gal + " --probe " + s.people + "/person2/1.png");
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("was made with another model"), std::string::npos) << r.output;
  r = run_cli("enroll --add --model " + s.other_model + " --gallery " + s.probes + " --out " + gal);
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("was made with another model"), std::string::npos) << r.output;

  // --add appends (person8/9 new, person0..3 get a third image); --mean must match the file.
  r = run_cli("enroll --add --mean --model " + s.model + " --gallery " + s.probes + " --out " + gal);
  EXPECT_EQ(r.code, 2) << r.output;
  r = run_cli("enroll --add --model " + s.model + " --gallery " + s.probes + " --out " + gal);
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("enrolled 6 images (2 new identities)"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("6 identities, 14 embeddings"), std::string::npos) << r.output;

  // --mean: one row per identity.
  r = run_cli("enroll --mean --model " + s.model + " --gallery " + s.people + " --out " + s.dir + "/mean.fgal");
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("4 identities, 4 embeddings"), std::string::npos) << r.output;

  // A flipped byte: one line naming the file.
  auto bytes = facenet::read_file(gal);
  bytes[bytes.size() / 2] = static_cast<char>(bytes[bytes.size() / 2] ^ 1);
  const auto bad = s.dir + "/bad.fgal";
  facenet::write_file_atomic(bad, bytes);
  r = run_cli("identify --gallery " + bad + " --probe " + s.people + "/person2/1.png");
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("error: gallery '" + bad + "': checksum mismatch"), std::string::npos) << r.output;
}

TEST(CliGallery, SymlinkedImagesAreNamedByTheirFolderNotTheirTarget) {
  // A gallery of links into a dataset (people/<name>/<link to the dataset's image>).
  const auto& s = setup();
  const auto links = s.dir + "/links";
  for (const char* person : {"person0", "person1"}) {
    fs::create_directories(links + "/" + person);
    fs::create_symlink(s.people + "/" + person + "/0.png", links + "/" + person + "/0.png");
  }
  const auto r = run_cli("enroll --model " + s.model + " --gallery " + links + " --out " + s.dir + "/links.fgal");
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("enrolled 2 images (2 new identities)"), std::string::npos) << r.output;
  const auto id = run_cli("identify --gallery " + s.dir + "/links.fgal --probe " + s.people + "/person1/0.png");
  EXPECT_NE(id.output.find("result: person1"), std::string::npos) << id.output;
}

TEST(CliGallery, EvalIdentifyWritesReportAndDet) {
  const auto& s = setup();
  const auto gal = s.dir + "/eval.fgal";
  auto r = run_cli("enroll --model " + s.model + " --gallery " + s.people + " --out " + gal);
  ASSERT_EQ(r.code, 0) << r.output;
  const auto out = s.dir + "/eval-identify";
  r = run_cli("eval-identify --gallery " + gal + " --probes " + s.probes + " --out " + out);
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("probes: 6 (4 mated, 2 non-mated)"), std::string::npos) << r.output;
  // Each mated probe is an enrolled image: rank 1 at distance ~0.
  EXPECT_NE(r.output.find("rank-1 identification rate: 1.0000"), std::string::npos) << r.output;
  const auto j = nlohmann::json::parse(facenet::read_file(out + "/identification.json"));
  EXPECT_EQ(j["mated"], 4);
  EXPECT_EQ(j["non_mated"], 2);
  EXPECT_EQ(j["fnir_at_fpir"].size(), 2u);
  EXPECT_GT(fs::file_size(out + "/det.png"), 1000u);
}

TEST(CliCluster, WritesCsvFoldersSheetsAndScores) {
  const auto& s = setup();
  // Two identical copies of each of 3 faces: every method must put each pair together and
  // nothing else (the threshold 1e-3 only joins identical images).
  const auto album = s.dir + "/album", labels = s.dir + "/labels";
  for (int id = 0; id < 3; ++id)
    for (int copy = 0; copy < 2; ++copy) {
      const auto name = "p" + std::to_string(id) + "_" + std::to_string(copy) + ".png";
      face(album + "/" + name, id, 0);
      face(labels + "/person" + std::to_string(id) + "/" + name, id, 0);
    }
  for (const std::string method : {"chinese-whispers", "dbscan", "agglomerative"}) {
    const auto out = s.dir + "/clusters-" + method;
    auto r = run_cli("cluster " + album + " --model " + s.model + " --out " + out + " --method " + method +
                     " --labels " + labels);
    ASSERT_EQ(r.code, 0) << r.output;
    EXPECT_NE(r.output.find("6 faces -> 3 clusters"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("pairwise precision 1.0000 recall 1.0000 F1 1.0000"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("BCubed precision 1.0000 recall 1.0000 F1 1.0000"), std::string::npos) << r.output;
    const auto csv = facenet::read_file(out + "/clusters.csv");
    EXPECT_EQ(csv.rfind("file,face,x,y,width,height,cluster\np0_0.png,0,0,0,64,64,0\np0_1.png,0,0,0,64,64,0\n", 0), 0u)
        << csv;
    EXPECT_TRUE(fs::is_symlink(out + "/cluster-001/p1_1.png")) << method;
    EXPECT_GT(fs::file_size(out + "/cluster-002.png"), 100u);
    EXPECT_TRUE(fs::exists(out + "/scores.json"));
  }
  auto r = run_cli("cluster " + album + " --model " + s.model + " --out " + s.dir + "/c-copy --copy --threshold 1e-3");
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_TRUE(fs::is_regular_file(s.dir + "/c-copy/cluster-000/p0_0.png"));
  EXPECT_FALSE(fs::is_symlink(s.dir + "/c-copy/cluster-000/p0_0.png"));
  r = run_cli("cluster " + album + " --model " + s.model + " --out " + s.dir + "/c-bad --method kmeans");
  EXPECT_EQ(r.code, 2) << r.output;
}

TEST(FaceDetectionCli, EmbedFindsEveryHaarFaceOfEachPhoto) {
  const auto& s = setup();
  const std::string cascade = "/usr/share/opencv4/haarcascades/haarcascade_frontalface_default.xml";
  if (!fs::exists(cascade)) GTEST_SKIP() << "opencv-data not installed";
  // Photos of 2 and 3 synthetic faces on grey, and a plain one. The cascade finds only some drawn
  // faces: a face is added to a photo only when the photo then has one more detection.
  facenet::detect::FaceFinder finder(facenet::detect::DetectOptions{facenet::FaceDetector::Haar});
  const auto photos = s.dir + "/photos";
  fs::create_directories(photos);
  int64_t next_id = 0;
  auto paste = [&](const std::string& name, size_t n) {
    cv::Mat photo(260, 200 * static_cast<int>(std::max<size_t>(n, 1)), CV_8UC3, cv::Scalar(200, 200, 200));
    for (size_t placed = 0; placed < n && next_id < 80; ++next_id) {
      cv::Mat img, trial = photo.clone();
      facenet::data::render_synth_face(3, 0, next_id, 0, 140, img);
      img.copyTo(trial(cv::Rect(30 + 200 * static_cast<int>(placed), 60, 140, 140)));
      if (finder.detect(trial).size() != placed + 1) continue;
      photo = trial;
      ++placed;
    }
    ASSERT_EQ(finder.detect(photo).size(), n) << name;
    cv::imwrite(photos + "/" + name, photo);
  };
  paste("a.png", 2);
  paste("b.png", 3);
  paste("empty.png", 0);
  const auto out = s.dir + "/faces.csv";
  auto r = run_cli("embed --model " + s.model + " --detect haar " + photos + " --out " + out);
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("embedded 5 faces from 3 photos (detector haar, crop margin); 1 without a face"),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("no face in"), std::string::npos) << r.output;
  const auto text = facenet::read_file(out);
  std::vector<std::string> lines;
  for (size_t p = 0, q; (q = text.find('\n', p)) != std::string::npos; p = q + 1) lines.push_back(text.substr(p, q - p));
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_EQ(lines[0].rfind("a.png,0,", 0), 0u) << lines[0];
  EXPECT_EQ(lines[4].rfind("b.png,2,", 0), 0u) << lines[4];
  EXPECT_EQ(std::count(lines[0].begin(), lines[0].end(), ','), 6 + 16) << lines[0];  // 7 columns + 16 values
  r = run_cli("embed --model " + s.model + " --detect haar --largest " + photos + " --out " + out);
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("embedded 2 faces from 3 photos"), std::string::npos) << r.output;
  // verify compares the largest face of each photo; --json gives one line.
  r = run_cli("verify --model " + s.model + " --detect haar --json " + photos + "/a.png " + photos + "/a.png");
  ASSERT_EQ(r.code, 0) << r.output;
  const auto j = nlohmann::json::parse(r.output.substr(r.output.find('{')));
  EXPECT_EQ(j["detector"], "haar");
  EXPECT_EQ(j["same"], true);
  EXPECT_EQ(j["box_a"], j["box_b"]);
  // No face in a verify input is an error naming it; yunet without a model is a clear error.
  r = run_cli("verify --model " + s.model + " --detect haar " + photos + "/a.png " + photos + "/empty.png");
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.output.find("no face found in"), std::string::npos) << r.output;
  r = run_cli("embed --model " + s.model + " --detect yunet " + photos + " --out " + out);
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.output.find("--detect-model"), std::string::npos) << r.output;
  // cluster --json: one line per face.
  r = run_cli("cluster " + photos + " --model " + s.model + " --detect haar --threshold 0.25 --json --out " + s.dir +
              "/face_album");
  ASSERT_EQ(r.code, 0) << r.output;
  int cluster_lines = 0;
  for (size_t p = 0, q; (q = r.output.find('\n', p)) != std::string::npos; p = q + 1)
    if (r.output.compare(p, 11, "{\"box\":[") == 0 || r.output.compare(p, 2, "{\"") == 0) {
      const auto line = nlohmann::json::parse(r.output.substr(p, q - p));
      EXPECT_EQ(line["box"].size(), 4u);
      ++cluster_lines;
    }
  EXPECT_EQ(cluster_lines, 5) << r.output;
  // enroll: each gallery image's largest face (a photo without one is left out); identify: the probe's largest face.
  const auto people = s.dir + "/face_people";
  fs::create_directories(people + "/ann");
  fs::create_directories(people + "/bob");
  fs::copy_file(photos + "/a.png", people + "/ann/a.png", fs::copy_options::overwrite_existing);
  fs::copy_file(photos + "/b.png", people + "/bob/b.png", fs::copy_options::overwrite_existing);
  fs::copy_file(photos + "/empty.png", people + "/bob/empty.png", fs::copy_options::overwrite_existing);
  const auto gallery = s.dir + "/faces.fgal";
  r = run_cli("enroll --model " + s.model + " --detect haar --gallery " + people + " --out " + gallery);
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("2 identities, 2 embeddings"), std::string::npos) << r.output;
  // identify: every face of the probe, one JSON line each, largest first (bob was enrolled from it).
  auto identify_lines = [&](const std::string& extra) {
    r = run_cli("identify --gallery " + gallery + " --detect haar --json -k 2 --probe " + photos + "/b.png" + extra);
    EXPECT_EQ(r.code, 0) << r.output;
    std::vector<nlohmann::json> lines;
    for (size_t p = 0, q; (q = r.output.find('\n', p)) != std::string::npos; p = q + 1)
      if (r.output.compare(p, 8, "{\"box\":[") == 0) lines.push_back(nlohmann::json::parse(r.output.substr(p, q - p)));
    return lines;
  };
  const auto faces = identify_lines("");
  ASSERT_EQ(faces.size(), 3u) << r.output;  // b.png holds three pasted faces (embed found them above)
  for (size_t i = 0; i < faces.size(); ++i) {
    EXPECT_EQ(faces[i]["face"], static_cast<int>(i));
    EXPECT_EQ(faces[i]["box"].size(), 4u);
    EXPECT_EQ(faces[i]["ranking"].size(), 2u);
  }
  EXPECT_EQ(faces[0]["ranking"][0]["identity"], "bob");
  EXPECT_EQ(faces[0]["unknown"], false);
  EXPECT_EQ(faces[0]["ranking"][0]["distance"].get<double>(), 0.0);
  // The other two faces are other people: not bob at distance 0.
  EXPECT_GT(faces[1]["ranking"][0]["distance"].get<double>(), 0.0);
  const auto largest = identify_lines(" --largest");
  ASSERT_EQ(largest.size(), 1u) << r.output;
  EXPECT_EQ(largest[0]["box"], faces[0]["box"]);
  r = run_cli("identify --gallery " + gallery + " --detect haar --probe " + photos + "/empty.png");
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.output.find("no face found in"), std::string::npos) << r.output;
}
