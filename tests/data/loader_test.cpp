// The threaded loader: batch contents, determinism across worker counts, bit-exact resume
// and corrupt-file substitution.
#include "facenet/data/loader.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include "data/test_util.h"
#include "facenet/core/fs.h"
#include "facenet/data/folder_source.h"
#include "facenet/data/preprocess.h"

using namespace facenet;
using namespace facenet::data;
using facenet::test::TempDir;

namespace {

/// 6 identities x 4 random-noise PNG/JPEG images.
Dataset make_images(const TempDir& dir, int identities = 6, int per = 4) {
  cv::RNG rng(1234);
  for (int i = 0; i < identities; ++i)
    for (int j = 0; j < per; ++j) {
      cv::Mat img(40 + j, 36 + i, CV_8UC3);
      rng.fill(img, cv::RNG::UNIFORM, 0, 256);
      const auto path = dir / ("id" + std::to_string(i) + "/" + std::to_string(j) + (j % 2 ? ".png" : ".jpg"));
      std::filesystem::create_directories(path.parent_path());
      cv::imwrite(path.string(), img);
    }
  return scan_folder(dir.str(), {false, ""});
}

DataConfig config(int workers, bool augment = true) {
  DataConfig c;
  c.workers = workers;
  c.prefetch = 2;
  c.preprocess.image_size = 24;
  c.augment.flip = augment;
  c.augment.crop_scale = augment ? 0.2 : 0;
  c.augment.rotation = augment ? 8 : 0;
  c.augment.color_jitter = augment ? 0.2 : 0;
  return c;
}

std::vector<Batch> take(BatchLoader& loader, int n) {
  std::vector<Batch> out;
  for (int i = 0; i < n; ++i) out.push_back(loader.next());
  return out;
}

}  // namespace

TEST(Loader, BatchesMatchTheSamplerAndPreprocessing) {
  TempDir dir;
  const auto ds = make_images(dir);
  BatchLoader loader(ds, BatchSampler(ds, SamplingMode::Triplet, 9, 5), config(2, false), 5);
  BatchSampler reference(ds, SamplingMode::Triplet, 9, 5);
  for (int b = 0; b < 3; ++b) {
    const auto batch = loader.next();
    const auto expected = reference.next();
    EXPECT_EQ(batch.index, b);
    EXPECT_EQ(batch.samples, expected);
    ASSERT_EQ(batch.images.sizes(), (std::vector<int64_t>{9, 3, 24, 24}));
    ASSERT_TRUE(batch.images.is_contiguous());
    for (int i = 0; i < 9; ++i) {
      EXPECT_EQ(batch.labels[i].item<int64_t>(), ds.samples[expected[i]].label);
      const auto one = preprocess_image(cv::imread(ds.name(expected[i])), config(1).preprocess);
      EXPECT_TRUE(torch::equal(batch.images[i], one)) << "batch " << b << " position " << i;
    }
  }
}

TEST(Loader, AugmentedBatchesDoNotDependOnWorkerCount) {
  TempDir dir;
  const auto ds = make_images(dir);
  BatchLoader one(ds, BatchSampler(ds, SamplingMode::PK, 8, 3, 2), config(1), 77);
  BatchLoader three(ds, BatchSampler(ds, SamplingMode::PK, 8, 3, 2), config(3), 77);
  BatchLoader other_seed(ds, BatchSampler(ds, SamplingMode::PK, 8, 3, 2), config(3), 78);
  for (int b = 0; b < 4; ++b) {
    const auto x = one.next(), y = three.next(), z = other_seed.next();
    EXPECT_TRUE(torch::equal(x.images, y.images)) << b;
    EXPECT_TRUE(torch::equal(x.labels, y.labels)) << b;
    EXPECT_FALSE(torch::equal(x.images, z.images)) << "augmentation follows the seed";
  }
}

TEST(Loader, ResumeIsBitExact) {
  TempDir dir;
  const auto ds = make_images(dir);
  BatchLoader first(ds, BatchSampler(ds, SamplingMode::Triplet, 6, 9), config(2), 21);
  take(first, 3);
  const auto index = first.next_index();
  const auto state = first.sampler_state();
  EXPECT_EQ(index, 3);
  const auto expected = take(first, 3);

  BatchSampler sampler(ds, SamplingMode::Triplet, 6, 9);
  sampler.restore(state);
  BatchLoader resumed(ds, std::move(sampler), config(3), 21, index);
  const auto got = take(resumed, 3);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(got[i].index, expected[i].index);
    EXPECT_EQ(got[i].samples, expected[i].samples);
    EXPECT_TRUE(torch::equal(got[i].images, expected[i].images)) << i;
  }
}

TEST(Loader, CorruptFilesAreLoggedOnceAndReplacedBySameIdentity) {
  TempDir dir;
  facenet::test::write_image(dir / "good/a.png", 30, 30, cv::Scalar(10, 200, 30));
  facenet::test::write_text(dir / "good/b.jpg", "this is not a JPEG");
  // A truncated JPEG: the first half of a real one.
  {
    cv::Mat img(64, 64, CV_8UC3, cv::Scalar(1, 2, 3));
    std::vector<uchar> bytes;
    cv::imencode(".jpg", img, bytes);
    facenet::test::write_text(dir / "good/c.jpg", std::string(bytes.begin(), bytes.begin() + bytes.size() / 2));
  }
  facenet::test::write_image(dir / "other/x.png", 30, 30, cv::Scalar(200, 0, 0));
  facenet::test::write_image(dir / "other/y.png", 30, 30, cv::Scalar(0, 0, 200));
  const auto ds = scan_folder(dir.str(), {false, ""});
  ASSERT_EQ(ds.size(), 5);
  auto c = config(2, false);
  BatchLoader loader(ds, BatchSampler(ds, SamplingMode::Sequential, 5, 0), c, 0);
  const auto good = preprocess_image(cv::imread((dir / "good/a.png").string()), c.preprocess);
  for (int epoch = 0; epoch < 3; ++epoch) {
    const auto batch = loader.next();
    for (int i = 0; i < 3; ++i) EXPECT_TRUE(torch::equal(batch.images[i], good)) << "slot " << i;
    EXPECT_EQ(batch.labels[1].item<int64_t>(), 0);
  }
  EXPECT_EQ(loader.corrupt_files(), 2);
  EXPECT_GE(loader.substitutions(), 6);  // 2 per batch; batches loaded ahead add more
}
