// `facenet export / import / embed / verify / identify` as a user runs them.
#include <gtest/gtest.h>
#include <torch/torch.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <opencv2/imgcodecs.hpp>

#include "facenet/core/fs.h"
#include "facenet/data/synth.h"
#include "facenet/models/facenet.h"
#include "facenet/checkpoint/checkpoint.h"
#include "support/cli_runner.h"

using facenet::test::run_cli;
namespace fs = std::filesystem;

namespace {

struct Setup {
  std::string dir, checkpoint, gallery;
};

struct RemoveAtExit {
  std::string dir;
  ~RemoveAtExit() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
};

// A 16-d MobileNet checkpoint (64 px, threshold 0.9) and a gallery of 4 identities x 2 PNG faces.
const Setup& setup() {
  static const Setup s = [] {
    Setup x;
    x.dir = (fs::temp_directory_path() / ("facenet_cli_export_" + std::to_string(::getpid()))).string();
    fs::remove_all(x.dir);
    fs::create_directories(x.dir);
    torch::manual_seed(3);
    facenet::Config config;
    config.model.embedding_size = 16;
    config.data.preprocess.image_size = 64;
    auto model = facenet::models::make_model(config.model);
    facenet::TrainingState state;
    state.threshold_at_far = 0.9;
    x.checkpoint = x.dir + "/model.ckpt";
    facenet::save_checkpoint(x.checkpoint, {config, state, 0, *model});
    x.gallery = x.dir + "/gallery";
    for (int id = 0; id < 4; ++id) {
      const auto folder = x.gallery + "/person" + std::to_string(id);
      fs::create_directories(folder);
      for (int i = 0; i < 2; ++i) {
        cv::Mat face;
        facenet::data::render_synth_face(5, 0, id, i, 64, face);
        cv::imwrite(folder + "/" + std::to_string(i) + ".png", face);
      }
    }
    return x;
  }();
  static const RemoveAtExit cleanup{s.dir};
  return s;
}

int count_lines(const std::string& text) { return static_cast<int>(std::count(text.begin(), text.end(), '\n')); }

}  // namespace

TEST(CliExport, ExportsEveryFormat) {
  const auto& s = setup();
  auto r = run_cli("export --checkpoint " + s.checkpoint + " --format onnx --out " + s.dir + "/m.onnx");
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_TRUE(fs::exists(s.dir + "/m.onnx.json"));
  EXPECT_NE(facenet::read_file(s.dir + "/m.onnx.json").find("\"threshold\": 0.9"), std::string::npos);
  r = run_cli("export --checkpoint " + s.checkpoint + " --format torchscript --out " + s.dir + "/m.pt");
  ASSERT_EQ(r.code, 0) << r.output;
  r = run_cli("export --checkpoint " + s.checkpoint + " --format state-dict --layout seed --out " + s.dir + "/sd.pt");
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("state-dict (seed)"), std::string::npos) << r.output;
  // facenet-pytorch needs Inception-ResNet-v1: a usage error naming the layout.
  r = run_cli("export --checkpoint " + s.checkpoint + " --format state-dict --layout facenet-pytorch --out " + s.dir +
              "/bad.pt");
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("export.layout"), std::string::npos) << r.output;
  r = run_cli("export --checkpoint /no/such.ckpt --format onnx --out " + s.dir + "/x.onnx");
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("/no/such.ckpt"), std::string::npos) << r.output;
}

TEST(CliExport, EmbedsVerifiesAndIdentifies) {
  const auto& s = setup();
  auto r = run_cli("export --checkpoint " + s.checkpoint + " --format torchscript --out " + s.dir + "/e.pt");
  ASSERT_EQ(r.code, 0) << r.output;
  const auto model = s.dir + "/e.pt";

  r = run_cli("embed --model " + model + " " + s.gallery + " --out " + s.dir + "/emb.csv");
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("8/8 images"), std::string::npos) << r.output;  // the progress line
  const auto csv = facenet::read_file(s.dir + "/emb.csv");
  EXPECT_EQ(count_lines(csv), 8);
  EXPECT_EQ(csv.rfind("person0/0.png,", 0), 0u) << csv.substr(0, 80);
  const auto first_line = csv.substr(0, csv.find('\n'));
  EXPECT_EQ(std::count(first_line.begin(), first_line.end(), ','), 16);

  r = run_cli("embed --model " + model + " " + s.gallery + " --out " + s.dir + "/emb.npy");
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_EQ(fs::file_size(s.dir + "/emb.npy"), 128u + 8 * 16 * 4);
  EXPECT_EQ(count_lines(facenet::read_file(s.dir + "/emb.npy.txt")), 8);

  const auto a = s.gallery + "/person1/0.png";
  r = run_cli("verify --model " + model + " " + a + " " + a);
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("distance (l2): 0.0000"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("threshold: 0.9000"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("result: same"), std::string::npos) << r.output;
  // --threshold replaces the calibrated one: two different images are apart by more than 1e-6.
  r = run_cli("verify --model " + model + " --threshold 0.000001 " + a + " " + s.gallery + "/person3/0.png");
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("threshold: 0.0000\nresult: different"), std::string::npos) << r.output;
  EXPECT_EQ(run_cli("verify --model " + model + " --threshold -1 " + a + " " + a).code, 2);

  // Gallery of single images: the probe's own identity ranks first at distance 0.
  const auto single = s.dir + "/single";
  for (int id = 0; id < 4; ++id) {
    fs::create_directories(single + "/person" + std::to_string(id));
    fs::copy_file(s.gallery + "/person" + std::to_string(id) + "/1.png",
                  single + "/person" + std::to_string(id) + "/1.png", fs::copy_options::overwrite_existing);
  }
  r = run_cli("identify --model " + model + " --gallery " + single + " --probe " + single + "/person2/1.png -k 3");
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("gallery: 4 identities, 4 images"), std::string::npos) << r.output;
  const auto rank1 = r.output.substr(r.output.find("\n  1  ") + 1);
  EXPECT_EQ(rank1.substr(0, rank1.find('\n')), "  1  " + std::string("person2") + std::string(25, ' ') +
                                                   " 0.0000  (1 images)  match")
      << r.output;
  EXPECT_EQ(r.output.find("  4  "), std::string::npos) << r.output;  // -k 3
  // With --threshold an image not enrolled (person2/0; the gallery holds person2/1) is unknown.
  r = run_cli("identify --model " + model + " --gallery " + single + " --probe " + s.gallery +
              "/person2/0.png --threshold 0.000001");
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("threshold 0.0000\nresult: unknown"), std::string::npos) << r.output;

  r = run_cli("verify --model " + model + " " + a + " /no/such/face.jpg");
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("/no/such/face.jpg"), std::string::npos) << r.output;
  r = run_cli("verify --model " + s.dir + "/emb.csv " + a + " " + a);
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("emb.csv' is not a facenet model"), std::string::npos) << r.output;
}

TEST(CliExport, ImportNamesTheBadFile) {
  const auto& s = setup();
  auto r = run_cli("import --layout facenet-pytorch " FACENET_SOURCE_DIR "/tests/export/data/tiny_state_dict.pt --out " +
                   s.dir + "/imp.ckpt");
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("tiny_state_dict.pt"), std::string::npos) << r.output;
  r = run_cli("import --layout seed x.pt --out y.ckpt");
  EXPECT_EQ(r.code, 2) << r.output;
}

TEST(CliExport, CheckInfoAndHelpReadTheFormatTable) {
  const auto& s = setup();
  // export's help and its errors list the formats the table can write.
  auto r = run_cli("export --help");
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("--format TEXT               onnx | torchscript | state-dict (export.format)"),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("\n  torchscript  TorchScript module"), std::string::npos) << r.output;
  r = run_cli("export --checkpoint " + s.checkpoint + " --format onnnx --out " + s.dir + "/x.onnx");
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("export.format: unknown format 'onnnx' (registered: onnx, torchscript, state-dict)"),
            std::string::npos)
      << r.output;
  EXPECT_FALSE(fs::exists(s.dir + "/x.onnx"));

  r = run_cli("info");
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("network formats: onnx (load, write), int8 (load), torchscript (load, write), checkpoint (load), "
                          "state-dict (write)\n"),
            std::string::npos)
      << r.output;

  // check names each file by the row that recognises it.
  for (const auto& [format, file] : {std::pair{"onnx", "/t.onnx"}, std::pair{"torchscript", "/t.pt"}}) {
    ASSERT_EQ(run_cli("export --checkpoint " + s.checkpoint + " --format " + format + " --out " + s.dir + file).code, 0);
    r = run_cli(std::string("check ") + s.dir + file);
    EXPECT_EQ(r.code, 0) << r.output;
    EXPECT_NE(r.output.find(std::string("kind: ") + format + " export\n  backbone: mobilenet\n  embedding size: 16\n"),
              std::string::npos)
        << r.output;
    EXPECT_NE(r.output.find("threshold: 0.900000 (l2 at FAR 0.001)"), std::string::npos) << r.output;
  }
  r = run_cli("check " + s.checkpoint);
  EXPECT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("kind: checkpoint\n"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("\n  step: 0\n  epoch: 0\n  classes: 0\n"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("intact: yes"), std::string::npos) << r.output;
  // The crop rule a model was trained with (here: face crops), and the rules info knows.
  EXPECT_NE(r.output.find("\n  crop: none (trained on face crops; with --detect: rule margin, margin 32)\n"),
            std::string::npos) << r.output;
  r = run_cli("info");
  EXPECT_NE(r.output.find("\ncrop rules: margin (davidsandberg's align_dataset_mtcnn), facenet_pytorch"),
            std::string::npos) << r.output;
}
