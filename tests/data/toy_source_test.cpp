// Worked example of the data-source seam (docs/architecture.md, README "Extending facenet-cpp"):
// a new source is this one file plus one registration line. ToySource makes its images in
// memory; `data.root: toy:<identities>x<images>` selects it, data::load_dataset opens it through
// the source registry, and the real BatchLoader reads batches from it.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cstdio>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include "facenet/core/error.h"
#include "facenet/data/loader.h"
#include "facenet/data/source_registry.h"
#include "support/error_of.h"

using namespace facenet;

namespace {

/// `identities` x `per_identity` solid grey 8x8 PNGs; item i (identity i / per_identity) has
/// grey level 20 + 30 i, so every image differs and its pixels are known.
class ToySource : public data::Source {
 public:
  ToySource(int identities, int per_identity) : per_identity_(per_identity) {
    for (int i = 0; i < identities; ++i) identities_.push_back("toy" + std::to_string(i));
  }
  static int level(int64_t item) { return 20 + 30 * static_cast<int>(item); }

  const std::vector<std::string>& identities() const override { return identities_; }
  int64_t size() const override { return static_cast<int64_t>(identities_.size()) * per_identity_; }
  int64_t label(int64_t item) const override { return item / per_identity_; }
  std::string name(int64_t item) const override { return "toy#" + std::to_string(item); }
  std::string bytes(int64_t item) const override {
    std::vector<uchar> png;
    cv::imencode(".png", cv::Mat(8, 8, CV_8UC3, cv::Scalar::all(level(item))), png);
    return std::string(png.begin(), png.end());
  }

 private:
  int per_identity_;
  std::vector<std::string> identities_;
};

/// The kind: which configs select it (a data.root starting "toy:") and how to open one.
data::SourceKind toy_source_kind() {
  return {"toy", [](const DataConfig& c) { return c.root.rfind("toy:", 0) == 0 ? c.root : std::string(); },
          [](const std::string& location, const DataConfig&) -> std::shared_ptr<const data::Source> {
            int identities = 0, per_identity = 0;
            if (std::sscanf(location.c_str(), "toy:%dx%d", &identities, &per_identity) != 2 || identities < 1 ||
                per_identity < 1 || identities * per_identity > 8)
              throw Error("'" + location + "': expected toy:<identities>x<images>, at most 8 images");
            return std::make_shared<ToySource>(identities, per_identity);
          }};
}

}  // namespace

TEST(ToySource, RegisteredOnceThenLoadedFromTheConfigAndBatchedByTheLoader) {
  data::register_source(toy_source_kind());  // the one registration line

  DataConfig config;
  config.root = "toy:3x2";
  config.workers = 2;
  config.preprocess.image_size = 8;
  EXPECT_EQ(data::open_source(config).kind, "toy");
  const auto dataset = data::load_dataset(config);
  ASSERT_EQ(dataset.size(), 6);
  EXPECT_EQ(dataset.identities, (std::vector<std::string>{"toy0", "toy1", "toy2"}));
  EXPECT_EQ(dataset.name(5), "toy#5");

  data::BatchLoader loader(dataset, data::BatchSampler(dataset, data::SamplingMode::Sequential, 6, 0), config, 0,
                           /*first_index=*/0, /*augment=*/false);
  const auto batch = loader.next();
  EXPECT_TRUE(torch::equal(batch.labels, torch::tensor({0, 0, 1, 1, 2, 2}, torch::kInt64)));
  ASSERT_EQ(batch.images.sizes(), (std::vector<int64_t>{6, 3, 8, 8}));
  for (int64_t i = 0; i < 6; ++i) {
    // Fixed normalisation: (v - 127.5) / 128 on every pixel of a solid grey image.
    const float expected = (ToySource::level(i) - 127.5f) / 128.f;
    EXPECT_TRUE(torch::allclose(batch.images[i], torch::full({3, 8, 8}, expected))) << "item " << i;
  }
  EXPECT_EQ(loader.corrupt_files(), 0);

  // The library's own sources are still chosen as before: a plain data.root is a folder tree.
  config.root = "/no/such/tree";
  EXPECT_NE(test::error_of([&] { data::open_source(config); }).find("dataset root '/no/such/tree' does not exist"),
            std::string::npos);
  config.root = "toy:0x1";
  EXPECT_NE(test::error_of([&] { data::load_dataset(config); }).find("'toy:0x1': expected toy:"), std::string::npos);
}
