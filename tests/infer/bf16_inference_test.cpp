// runtime.inference_dtype bf16: the compiled bf16 network embeds real LFW faces close to fp32,
// for both backbones, from a network in memory and from a TorchScript export; how close is
// judged against the network's own sensitivity to bf16-sized rounding.
#include <gtest/gtest.h>

#include <filesystem>

#include "support/export_test_util.h"
#include "facenet/core/precision.h"
#include "facenet/data/preprocess.h"
#include "facenet/export/export.h"
#include "facenet/infer/inference.h"
#include "facenet/infer/network_loader.h"

using namespace facenet;
namespace fs = std::filesystem;

namespace {

/// The first `n` LFW images (sorted people), or none when ../shared is not beside the project.
std::vector<std::string> lfw_images(size_t n) {
  const fs::path root = FACENET_SOURCE_DIR "/../shared/data/lfw/lfw-deepfunneled";
  std::vector<std::string> out;
  if (!fs::is_directory(root)) return out;
  std::vector<fs::path> people;
  for (const auto& d : fs::directory_iterator(root))
    if (d.is_directory()) people.push_back(d.path());
  std::sort(people.begin(), people.end());
  for (const auto& person : people) {
    for (const auto& f : fs::directory_iterator(person)) {
      out.push_back(f.path().string());
      if (out.size() == n) return out;
    }
  }
  return out;
}

/// Smallest cosine between rows of a and b (both unit-norm).
double min_cosine(const torch::Tensor& a, const torch::Tensor& b) { return (a * b).sum(1).min().item<double>(); }

}  // namespace

TEST(Bf16Inference, EmbeddingsOfRealFacesMatchFp32) {
  if (!cpu_features().native_bf16()) GTEST_SKIP() << "this CPU has no native bf16";
  const auto paths = lfw_images(64);
  if (paths.empty()) GTEST_SKIP() << "../shared/data/lfw is not here";
  for (const auto backbone : {Backbone::MobileNet, Backbone::InceptionResNetV1}) {
    auto model = test::random_model(backbone, 128, 160);
    model->eval();
    PreprocessConfig pre;
    pre.image_size = 160;
    const auto images = data::load_images(paths, pre);
    const auto fp32 = infer::compile_for_inference(*model)(images);
    // (Rounding the images themselves to bf16 changes nothing: fixed normalisation gives
    // (2p - 255) / 256, exact in bf16's 8 significant bits.)
    EXPECT_TRUE(images.to(torch::kBFloat16).to(torch::kFloat).equal(images));
    // How much this network itself amplifies bf16-sized rounding: fp32 arithmetic with every
    // stage's output rounded to bf16. A fresh MobileNet is chaotic (one 2^-9 perturbation after
    // its first block grows ~1.4x per block); a trained one is not.
    torch::Tensor control;
    {
      torch::NoGradGuard no_grad;
      auto x = images;
      for (auto& stage : model->backbone().stages()) x = stage.apply(x).to(torch::kBFloat16).to(torch::kFloat);
      control = model->head(x).embeddings;
    }
    const double sensitivity = min_cosine(fp32, control);
    const auto bf16 = infer::compile_for_inference(*model, Precision::BF16)(images);
    ASSERT_EQ(bf16.scalar_type(), torch::kFloat);
    EXPECT_NEAR(bf16.norm(2, 1).min().item<double>(), 1.0, 1e-5);  // renormalised in fp32
    const double c = min_cosine(fp32, bf16);
    std::cout << to_string(backbone) << ": smallest cosine bf16 vs fp32 over " << paths.size() << " LFW faces " << c
              << "; fp32 with bf16-rounded stage outputs " << sensitivity << "\n";
    // Measured: MobileNet 0.961 against 0.979 for the control, Inception-ResNet-v1 0.9997
    // against 0.9999. bf16 rounds after every layer and its weights too, the control only after
    // each stage; so bf16 may lose a few times what the control loses, but a kernel or cast that
    // is wrong loses far more. A fresh MobileNet cannot meet the 0.999 aimed at (PyTorch 1.13's
    // own autocast gives 0.80 on a fresh one of the same layers); a trained one is measured in
    // the README ("Mixed precision").
    EXPECT_LE(1 - c, 4 * (1 - sensitivity));
    const double bound = backbone == Backbone::InceptionResNetV1 ? 0.999 : 0.95;
    EXPECT_GE(c, bound);
    // The same through an export, as embed/verify/identify load it.
    infer::ExportMeta meta;
    meta.backbone = backbone;
    meta.embedding_size = 128;
    meta.input_size = meta.preprocess.image_size = 160;
    const auto ts = test::temp_path("bf16.ts.pt");
    exporting::export_torchscript(*model, meta, ts);
    const auto net = infer::load_network(ts, InferenceDtype::BF16);
    EXPECT_EQ(net.precision, Precision::BF16);
    EXPECT_GE(min_cosine(fp32, net.forward(images)), bound - 0.0015);  // the export folds BN itself
    // auto: bf16 only where it outruns fp32 here (device_caps measures that).
    const auto faster = device_caps(c10::DeviceType::CPU).cpu.bf16_outruns_fp32() ? Precision::BF16 : Precision::FP32;
    EXPECT_EQ(infer::load_network(ts, InferenceDtype::Auto).precision, faster);
  }
}
