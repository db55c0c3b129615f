// facenet::Embedder and the model loader over every kind of model file, NPY writing, and
// clear errors for bad files.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cstring>
#include <fstream>
#include <functional>
#include <opencv2/imgcodecs.hpp>

#include "export_test_util.h"
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
    c.format = ExportFormat::TorchScript;
    tasks::run_export(x.checkpoint, c, x.torchscript);
    c.format = ExportFormat::ONNX;
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
  EXPECT_EQ(infer::load_network(exported().torchscript).kind, infer::ModelKind::TorchScript);
  EXPECT_EQ(infer::load_network(exported().onnx).kind, infer::ModelKind::ONNX);
  EXPECT_EQ(infer::load_network(exported().checkpoint).kind, infer::ModelKind::Checkpoint);
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
