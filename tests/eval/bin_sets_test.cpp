// insightface .bin verification sets: the same images and pairs evaluated from a .bin (encoded
// bytes through decode_images) and from a folder + pairs file (files through load_images) give
// identical numbers; set expansion, naming and the protocol defaults.
#include "facenet/eval/bin_sets.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>
#include <fstream>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <random>

#include "facenet/core/error.h"
#include "facenet/core/fs.h"
#include "facenet/eval/evaluator.h"
#include "facenet/infer/network_embed.h"
#include "support/pickle_writer.h"

using namespace facenet;
using namespace facenet::eval;
namespace fs = std::filesystem;

namespace {

struct BinFixture {
  fs::path dir;
  std::vector<std::string> images;  // encoded PNG/JPEG bytes, 2 per pair
  std::vector<bool> issame;
  explicit BinFixture(const std::string& name, int64_t pairs = 40)
      : dir(fs::temp_directory_path() / ("facenet_bin_" + name)) {
    fs::remove_all(dir);
    fs::create_directories(dir / "images");
    std::mt19937 rng(7);
    std::uniform_int_distribution<int> who(0, 5), noise(-40, 40);
    // Identity k: a colour gradient of its own; every image adds noise, so distances vary.
    auto make = [&](int identity, int64_t index) {
      cv::Mat m(20, 20, CV_8UC3);
      for (int y = 0; y < 20; ++y)
        for (int x = 0; x < 20; ++x)
          m.at<cv::Vec3b>(y, x) = cv::Vec3b(cv::saturate_cast<uchar>(40 * identity + 5 * x + noise(rng)),
                                            cv::saturate_cast<uchar>(200 - 30 * identity + 3 * y + noise(rng)),
                                            cv::saturate_cast<uchar>(100 + (identity % 2) * 80 + noise(rng)));
      std::vector<uchar> buf;
      cv::imencode(index % 3 == 0 ? ".jpg" : ".png", m, buf);
      return std::string(buf.begin(), buf.end());
    };
    for (int64_t i = 0; i < pairs; ++i) {
      const bool same = i % 2 == 0;  // insightface's files alternate blocks; any order works
      const int a = who(rng);
      int b = same ? a : who(rng);
      if (!same && b == a) b = (a + 1) % 6;
      images.push_back(make(a, 2 * i));
      images.push_back(make(b, 2 * i + 1));
      issame.push_back(same);
    }
    write_file_atomic((dir / "set.bin").string(), test::python2_bin_pickle(images, issame));
    // The same images as files, and the same pairs as a `path1 path2 0|1` list.
    std::ofstream pairs_txt(dir / "pairs.txt");
    for (std::size_t i = 0; i < images.size(); ++i) write_file_atomic(file(i), images[i]);
    for (std::size_t i = 0; i < issame.size(); ++i)
      pairs_txt << fs::path(file(2 * i)).filename().string() << ' ' << fs::path(file(2 * i + 1)).filename().string()
                << ' ' << (issame[i] ? 1 : 0) << '\n';
  }
  std::string file(std::size_t i) const {
    char name[32];
    std::snprintf(name, sizeof(name), "img_%04zu%s", i, images[i][0] == '\xff' ? ".jpg" : ".png");
    return (dir / "images" / name).string();
  }
  ~BinFixture() { fs::remove_all(dir); }
};

// A stand-in network: per-channel means of the left and right halves, L2-normalised (so flips
// change the embedding).
torch::Tensor fake_forward(const torch::Tensor& x) {
  const auto w = x.size(3);
  auto left = x.slice(3, 0, w / 2).mean({2, 3}), right = x.slice(3, w / 2).mean({2, 3});
  return torch::nn::functional::normalize(torch::cat({left, right, left - right}, 1),
                                          torch::nn::functional::NormalizeFuncOptions().dim(1));
}

PreprocessConfig small_preprocess() {
  PreprocessConfig p;
  p.image_size = 16;
  return p;
}

}  // namespace

TEST(BinSets, EqualsTheSamePairsFromAFolder) {
  BinFixture fx("equal");
  for (auto flip : {FlipMode::None, FlipMode::Sum}) {
    EvalConfig config;
    config.flip = flip;
    config.batch_size = 7;
    const auto protocol = bin_protocol(config);
    EXPECT_EQ(protocol.distance, Distance::L2Squared);
    const auto sets = load_bin_sets(expand_eval_sets({(fx.dir / "set.bin").string()}));
    ASSERT_EQ(sets.size(), 1u);
    EXPECT_EQ(sets[0].name, "set");
    const auto from_bin = evaluate_bin(sets[0], protocol, infer::bytes_embed_fn(fake_forward, small_preprocess(), 2),
                                       (fx.dir / "out" / "set").string());

    EvalConfig folder = protocol;
    folder.data_dir = (fx.dir / "images").string();
    folder.pairs = (fx.dir / "pairs.txt").string();
    folder.pairs_format = PairsFormat::List;
    Evaluator evaluator(folder, infer::files_embed_fn(fake_forward, small_preprocess(), 2));
    const auto from_folder = evaluator.run();

    const auto &a = from_bin.metrics, &b = from_folder.metrics;
    EXPECT_EQ(a.num_pairs, 40);
    EXPECT_GT(a.accuracy_mean, 0.6);
    EXPECT_EQ(a.accuracy_mean, b.accuracy_mean);
    EXPECT_EQ(a.accuracy_std, b.accuracy_std);
    EXPECT_EQ(a.val_mean, b.val_mean);
    EXPECT_EQ(a.val_std, b.val_std);
    EXPECT_EQ(a.far_mean, b.far_mean);
    EXPECT_EQ(a.auc, b.auc);
    EXPECT_EQ(a.eer, b.eer);
    EXPECT_EQ(a.threshold_at_far, b.threshold_at_far);
    ASSERT_EQ(a.folds.size(), 10u);
    ASSERT_EQ(a.folds.size(), b.folds.size());
    for (std::size_t k = 0; k < a.folds.size(); ++k) {
      EXPECT_EQ(a.folds[k].threshold, b.folds[k].threshold);
      EXPECT_EQ(a.folds[k].accuracy, b.folds[k].accuracy);
      EXPECT_EQ(a.folds[k].range.begin, b.folds[k].range.begin);
    }
    EXPECT_TRUE(fs::exists(fx.dir / "out" / "set" / "report.json"));
    EXPECT_TRUE(fs::exists(fx.dir / "out" / "set" / "roc.png"));
    EXPECT_TRUE(fs::exists(fx.dir / "out" / "set" / "embeddings.pt"));
    EXPECT_EQ(from_bin.info.pairs_file, (fx.dir / "set.bin").string());
  }
}

TEST(BinSets, ProtocolIsInsightfaceByDefault) {
  EvalConfig config;
  config.interleave_folds = true;
  const auto p = bin_protocol(config);
  EXPECT_EQ(p.distance, Distance::L2Squared);
  EXPECT_FALSE(p.interleave_folds);
  EXPECT_EQ(p.folds, 10);
  EXPECT_EQ(p.threshold_step, 0.01);
  EXPECT_EQ(p.threshold_max, 4.0);
  EXPECT_EQ(threshold_grid(p.threshold_max, p.threshold_step).size(), 400u);
  config.sets_distance = Distance::Cosine;
  EXPECT_EQ(bin_protocol(config).distance, Distance::Cosine);
}

TEST(BinSets, PairsAreConsecutiveImages) {
  data::VerificationBin bin;
  bin.images = {"a", "b", "c", "d"};
  bin.issame = {true, false};
  const auto pairs = bin_pairs(bin);
  ASSERT_EQ(pairs.size(), 2u);
  EXPECT_EQ(pairs[1].image1, "2");
  EXPECT_EQ(pairs[1].image2, "3");
  EXPECT_FALSE(pairs[1].same);
}

TEST(BinSets, ExpandsFoldersSortedAndRejectsDuplicatesAndMissing) {
  const auto dir = fs::temp_directory_path() / "facenet_bin_expand";
  fs::remove_all(dir);
  fs::create_directories(dir / "a");
  fs::create_directories(dir / "b");
  fs::create_directories(dir / "empty");
  const auto bin = test::python2_bin_pickle({"i0", "i1"}, {true});
  for (const char* f : {"a/lfw.bin", "a/agedb_30.bin", "b/lfw.bin"}) write_file_atomic((dir / f).string(), bin);
  std::ofstream(dir / "a/notes.txt") << "x";
  EXPECT_EQ(expand_eval_sets({"a"}, dir.string()),
            (std::vector<std::string>{(dir / "a" / "agedb_30.bin").string(), (dir / "a" / "lfw.bin").string()}));
  EXPECT_EQ(bin_set_name((dir / "a" / "agedb_30.bin").string()), "agedb_30");
  EXPECT_THROW(expand_eval_sets({(dir / "empty").string()}), Error);
  EXPECT_THROW(expand_eval_sets({"missing.bin"}, dir.string()), Error);

  EvalConfig config;
  config.sets = {"a"};
  EXPECT_EQ(open_eval_suite(config, dir.string()).names(), (std::vector<std::string>{"agedb_30", "lfw"}));
  // Two sets named "lfw": the error names the second file.
  config.sets = {"a", "b/lfw.bin"};
  try {
    open_eval_suite(config, dir.string());
    ADD_FAILURE() << "two sets named lfw were accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("two verification sets are named 'lfw'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find((dir / "b" / "lfw.bin").string()), std::string::npos) << e.what();
  }
  fs::remove_all(dir);
}
