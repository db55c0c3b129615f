// facenet::Embedder and the model loader over every kind of model file, NPY writing, and
// clear errors for bad files.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "facenet/detect/crop.h"
#include "facenet/detect/detector.h"
#include "facenet/data/synth.h"

#include <cstring>
#include <fstream>
#include <functional>
#include <opencv2/imgcodecs.hpp>

#include "support/export_test_util.h"
#include "facenet/core/error.h"
#include "facenet/core/fs.h"
#include "facenet/tasks/embed_tools.h"
#include "facenet/infer/embedder.h"
#include "facenet/tasks/exporter.h"
#include "facenet/infer/network_loader.h"

using namespace facenet;
using facenet::test::max_abs_diff;

namespace {

struct Exported {
  models::FaceNet model{nullptr};
  std::string checkpoint, torchscript, onnx;
};

// A 24-d MobileNet at 96 px with threshold 0.8, as checkpoint, TorchScript and ONNX.
const Exported& exported() {
  static const Exported e = [] {
    Exported x;
    x.model = test::random_model(Backbone::MobileNet, 24, 96);
    x.checkpoint = test::temp_path("emb.ckpt");
    test::write_checkpoint(x.checkpoint, x.model, 96, 0.8);
    x.torchscript = test::temp_path("emb.ts.pt");
    x.onnx = test::temp_path("emb.onnx");
    ExportConfig c;
    c.format = "torchscript";
    tasks::run_export(x.checkpoint, c, x.torchscript);
    c.format = "onnx";
    tasks::run_export(x.checkpoint, c, x.onnx);
    return x;
  }();
  return e;
}

torch::Tensor reference(const cv::Mat& face) {
  PreprocessConfig pre;
  pre.image_size = 96;
  torch::NoGradGuard no_grad;
  auto model = exported().model;
  return model->forward(data::preprocess_image(face, pre).unsqueeze(0))[0];
}

void expect_error_naming(const std::function<void()>& f, const std::string& name, const std::string& fragment) {
  try {
    f();
    FAIL() << "expected an error for " << name;
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(name), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

}  // namespace

TEST(Embedder, EveryModelKindGivesTheCheckpointsEmbeddings) {
  const auto face = test::synth_face(3, 1, 120);  // any size: the stored preprocessing resizes
  const auto expected = reference(face);
  for (const auto& path : {exported().checkpoint, exported().torchscript, exported().onnx}) {
    const Embedder embedder(path);
    EXPECT_EQ(embedder.embedding_size(), 24) << path;
    EXPECT_DOUBLE_EQ(embedder.threshold(), 0.8) << path;
    EXPECT_EQ(embedder.meta().preprocess.image_size, 96) << path;
    const auto e = embedder.embed(face);
    ASSERT_EQ(e.size(), 24u);
    EXPECT_LT(max_abs_diff(torch::tensor(e), expected), 1e-4) << path;
  }
  EXPECT_EQ(infer::load_network(exported().torchscript).format, "torchscript");
  EXPECT_EQ(infer::load_network(exported().onnx).format, "onnx");
  EXPECT_EQ(infer::load_network(exported().checkpoint).format, "checkpoint");
}

TEST(Embedder, CropRuleTravelsFromCheckpointToExports) {
  const CropConfig crop{CropRule::Margin, 40, FaceDetector::Haar};
  const auto ckpt = test::temp_path("crop.ckpt"), ts = test::temp_path("crop.ts.pt"), onnx = test::temp_path("crop.onnx");
  auto model = exported().model;  // a handle to the same module
  test::write_checkpoint(ckpt, model, 96, 0.8, crop);
  ExportConfig c;
  c.format = "torchscript";
  tasks::run_export(ckpt, c, ts);
  c.format = "onnx";
  tasks::run_export(ckpt, c, onnx);
  for (const auto& path : {ckpt, ts, onnx}) {
    const Embedder embedder(path);
    const auto& m = embedder.meta();
    EXPECT_EQ(m.crop.rule, CropRule::Margin) << path;
    EXPECT_EQ(m.crop.margin, 40) << path;
    EXPECT_EQ(m.crop.detector, FaceDetector::Haar) << path;
    const auto back = infer::meta_from_json(infer::meta_to_json(m), path);
    EXPECT_EQ(back.crop.rule, m.crop.rule);
    EXPECT_EQ(back.crop.margin, m.crop.margin);
    EXPECT_EQ(back.crop.detector, m.crop.detector);
  }
  // The exports of a model trained on crops say so; JSON without "crop" (older exports) reads as none.
  EXPECT_EQ(Embedder(exported().onnx).meta().crop.rule, CropRule::None);
  auto j = nlohmann::json::parse(infer::meta_to_json(Embedder(exported().onnx).meta()));
  ASSERT_TRUE(j.contains("crop"));
  j.erase("crop");
  const auto old = infer::meta_from_json(j.dump(), "old");
  EXPECT_EQ(old.crop.rule, CropRule::None);
  EXPECT_EQ(old.crop.detector, FaceDetector::None);
}

TEST(Embedder, EmbedFacesWithoutADetectorIsTheWholeImage) {
  const Embedder embedder(exported().torchscript);
  const auto face = test::synth_face(2, 0, 96);
  const auto faces = embedder.embed_faces(face);  // the model's detector: none
  ASSERT_EQ(faces.size(), 1u);
  EXPECT_EQ(faces[0].width, 96);
  EXPECT_LT(max_abs_diff(torch::tensor(faces[0].embedding), reference(face)), 1e-5);
}

TEST(Embedder, EmbedFacesFindsEveryHaarFaceOfAPhoto) {
  if (!std::filesystem::exists("/usr/share/opencv4/haarcascades/haarcascade_frontalface_default.xml"))
    GTEST_SKIP() << "opencv-data not installed";
  const Embedder embedder(exported().torchscript);
  // Three drawn faces the cascade finds on this grey photo (each added only when it is found).
  detect::FaceFinder finder(detect::DetectOptions{FaceDetector::Haar});
  cv::Mat photo(300, 600, CV_8UC3, cv::Scalar(200, 200, 200));
  size_t placed = 0;
  for (int64_t id = 0; id < 80 && placed < 3; ++id) {
    cv::Mat img, trial = photo.clone();
    data::render_synth_face(3, 0, id, 0, 140, img);
    img.copyTo(trial(cv::Rect(30 + 190 * static_cast<int>(placed), 60, 140, 140)));
    if (finder.detect(trial).size() != placed + 1) continue;
    photo = trial;
    ++placed;
  }
  ASSERT_EQ(placed, 3u);
  const auto faces = embedder.embed_faces(photo, {"haar", "", 0, {}, false});
  ASSERT_EQ(faces.size(), 3u);
  for (const auto& f : faces) {
    EXPECT_EQ(f.embedding.size(), 24u);
    EXPECT_GT(f.score, 0.0f);
  }
  EXPECT_EQ(embedder.embed_faces(photo, {"haar", "", 0, {}, true}).size(), 1u);
  EXPECT_TRUE(embedder.embed_faces(cv::Mat(200, 200, CV_8UC3, cv::Scalar::all(90)), {"haar", "", 0, {}, false}).empty());
  EXPECT_THROW(embedder.embed_faces(photo, {"yunet", "", 0, {}, false}), Error);
}

TEST(Embedder, EmbedFacesWithMtcnnGivesItsLandmarksAndHonoursItsThresholds) {
  const Embedder embedder(exported().torchscript);
  const cv::Mat group = cv::imread(std::string(FACENET_SOURCE_DIR) + "/tests/detect/fixtures/mtcnn_synth_group.png");
  FaceDetection mtcnn;
  mtcnn.detector = "mtcnn";
  const auto faces = embedder.embed_faces(group, mtcnn);
  ASSERT_EQ(faces.size(), 4u);  // the faces facenet-pytorch finds there (tests/detect/mtcnn_test.cpp)
  for (const auto& f : faces) {
    EXPECT_TRUE(f.has_landmarks);
    EXPECT_GT(f.score, 0.7f);
    // The landmarks lie inside the box.
    for (int k = 0; k < 5; ++k) {
      EXPECT_GE(f.landmarks[2 * k], f.x);
      EXPECT_LE(f.landmarks[2 * k], f.x + f.width);
    }
  }
  mtcnn.largest = true;
  mtcnn.thresholds = {0.6f, 0.7f, 0.95f};
  const auto sure = embedder.embed_faces(group, mtcnn);
  ASSERT_EQ(sure.size(), 1u);
  EXPECT_GT(sure[0].score, 0.95f);
}

TEST(Embedder, BatchesAndComparesAtTheStoredThreshold) {
  const Embedder embedder(exported().torchscript);
  const std::vector<cv::Mat> faces{test::synth_face(0, 0, 96), test::synth_face(1, 0, 96)};
  const auto batch = embedder.embed(faces);
  ASSERT_EQ(batch.size(), 2u);
  EXPECT_LT(max_abs_diff(torch::tensor(batch[1]), reference(faces[1])), 1e-5);
  const auto self = embedder.compare(batch[0], batch[0]);
  EXPECT_DOUBLE_EQ(self.distance, 0.0);
  EXPECT_TRUE(self.same);
  const auto other = embedder.compare(batch[0], batch[1]);
  const double l2 = (torch::tensor(batch[0]) - torch::tensor(batch[1])).norm().item<double>();
  EXPECT_NEAR(other.distance, l2, 1e-6);
  EXPECT_EQ(other.same, l2 < 0.8);
}

TEST(Embedder, EvalCanUseAnExport) {
  const auto dir = test::temp_path("eval_imgs");
  std::filesystem::create_directories(dir);
  const auto file = dir + "/a.png";  // lossless, so the decoded pixels equal the rendered ones
  cv::imwrite(file, test::synth_face(5, 0, 96));
  const auto net = infer::load_embedding_network(exported().onnx, 1);
  EXPECT_EQ(net.preprocess.image_size, 96);
  const auto e = net.embed({file, file}, false);
  ASSERT_EQ(e.sizes(), (std::vector<int64_t>{2, 24}));
  EXPECT_LT(max_abs_diff(e[1], reference(test::synth_face(5, 0, 96))), 1e-4);
}

TEST(Embedder, BadFilesGiveClearErrors) {
  expect_error_naming([] { Embedder("/no/such/model.pt"); }, "/no/such/model.pt", "does not exist");
  const auto text = test::temp_path("notes.txt");
  write_file_atomic(text, "just some text, not a model\n");
  expect_error_naming([&] { Embedder{text}; }, text, "not a facenet model");
  // A truncated TorchScript export.
  const auto bytes = read_file(exported().torchscript);
  const auto cut = test::temp_path("cut.ts.pt");
  write_file_atomic(cut, bytes.substr(0, bytes.size() / 2));
  expect_error_naming([&] { Embedder{cut}; }, cut, "corrupt");
  // An unreadable image.
  const Embedder embedder(exported().checkpoint);
  expect_error_naming([&] { embedder.embed_file(text); }, text, "");
}

TEST(EmbedTools, WritesNpyVersion1) {
  const float values[6] = {1, 2, 3, 4, 5, 6.5f};
  const auto path = test::temp_path("x.npy");
  tasks::write_npy(path, values, 2, 3);
  const auto bytes = read_file(path);
  ASSERT_EQ(bytes.size(), 128u + 24u);  // magic + header padded to a multiple of 64, then 6 floats
  EXPECT_EQ(bytes.substr(0, 8), std::string("\x93NUMPY\x01\x00", 8));
  EXPECT_EQ(static_cast<unsigned char>(bytes[8]) + 256 * static_cast<unsigned char>(bytes[9]), 118);
  EXPECT_NE(bytes.find("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }"), std::string::npos);
  EXPECT_EQ(bytes[127], '\n');
  float last;
  std::memcpy(&last, bytes.data() + 128 + 20, 4);
  EXPECT_FLOAT_EQ(last, 6.5f);
}
