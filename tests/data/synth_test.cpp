// `facenet synth` as a library: determinism by seed, layout and the LFW pairs format.
#include "facenet/data/synth.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <sstream>

#include "data/test_util.h"
#include "facenet/core/error.h"
#include "facenet/core/fs.h"
#include "facenet/data/folder_source.h"

using namespace facenet;
using namespace facenet::data;
using facenet::test::TempDir;
namespace fs = std::filesystem;

namespace {
SynthOptions small(const std::string& out, uint64_t seed) {
  SynthOptions o;
  o.out = out;
  o.identities = 4;
  o.images_per_identity = 3;
  o.pair_identities = 6;
  o.test_images_per_identity = 4;
  o.folds = 3;
  o.pairs_per_fold = 4;
  o.image_size = 64;
  o.seed = seed;
  o.threads = 2;
  return o;
}

std::map<std::string, std::string> files(const fs::path& root) {
  std::map<std::string, std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(root))
    if (e.is_regular_file()) out[fs::relative(e.path(), root).string()] = facenet::read_file(e.path().string());
  return out;
}
}  // namespace

TEST(Synth, SameSeedGivesIdenticalBytes) {
  TempDir a, b, c;
  const auto r = synthesize_dataset(small(a.str(), 5));
  EXPECT_EQ(r.train_images, 12);
  EXPECT_EQ(r.test_images, 24);
  EXPECT_EQ(r.pairs, 24);
  synthesize_dataset(small(b.str(), 5));
  auto other = small(c.str(), 6);
  other.threads = 1;
  synthesize_dataset(other);
  const auto fa = files(a / ""), fb = files(b / ""), fc = files(c / "");
  ASSERT_EQ(fa.size(), 12u + 24u + 1u);
  EXPECT_TRUE(fa == fb);
  ASSERT_EQ(fa.size(), fc.size());
  EXPECT_NE(fa.at("train/id00001/id00001_0001.jpg"), fc.at("train/id00001/id00001_0001.jpg"));
}

TEST(Synth, LayoutScansAsAFolderTree) {
  TempDir dir;
  synthesize_dataset(small(dir.str(), 1));
  const auto train = scan_folder((dir / "train").string(), {false, ""});
  EXPECT_EQ(train.identities, (std::vector<std::string>{"id00001", "id00002", "id00003", "id00004"}));
  EXPECT_EQ(train.size(), 12);
  const auto img = cv::imread((dir / "train/id00002/id00002_0003.jpg").string());
  EXPECT_EQ(img.cols, 64);
  EXPECT_EQ(img.rows, 64);
  EXPECT_EQ(scan_folder((dir / "test").string(), {false, ""}).size(), 24);
}

TEST(Synth, PairsFileIsLfwFormat) {
  TempDir dir;
  synthesize_dataset(small(dir.str(), 2));
  std::ifstream in(dir / "test/pairs.txt");
  std::string header;
  std::getline(in, header);
  EXPECT_EQ(header, "3\t4");
  std::vector<std::vector<std::string>> lines;
  for (std::string line; std::getline(in, line);) {
    std::istringstream ss(line);
    std::vector<std::string> tokens;
    for (std::string t; ss >> t;) tokens.push_back(t);
    lines.push_back(tokens);
  }
  ASSERT_EQ(lines.size(), 24u);
  auto image = [&](const std::string& name, const std::string& index) {
    char file[32];
    std::snprintf(file, sizeof file, "_%04d.jpg", std::stoi(index));
    return dir / "test" / name / (name + file);
  };
  for (int f = 0; f < 3; ++f) {
    std::set<std::string> fold_names;
    for (int i = 0; i < 8; ++i) {
      const auto& t = lines[f * 8 + i];
      if (i < 4) {  // matched: name i j, 1-based, distinct
        ASSERT_EQ(t.size(), 3u) << f << ":" << i;
        EXPECT_LT(std::stoi(t[1]), std::stoi(t[2]));
        EXPECT_GE(std::stoi(t[1]), 1);
        EXPECT_LE(std::stoi(t[2]), 4);
        EXPECT_TRUE(fs::exists(image(t[0], t[1])) && fs::exists(image(t[0], t[2]))) << t[0];
        fold_names.insert(t[0]);
      } else {  // mismatched: name1 i name2 j
        ASSERT_EQ(t.size(), 4u) << f << ":" << i;
        EXPECT_NE(t[0], t[2]);
        EXPECT_TRUE(fs::exists(image(t[0], t[1])) && fs::exists(image(t[2], t[3])));
        fold_names.insert(t[0]);
        fold_names.insert(t[2]);
      }
    }
    // 6 identities over 3 folds: each fold uses its own 2 (test0000f+1, +4).
    EXPECT_LE(fold_names.size(), 2u);
  }
}

TEST(Synth, RejectsBadOptions) {
  TempDir dir;
  auto o = small(dir.str(), 1);
  o.pair_identities = 1;
  EXPECT_THROW(synthesize_dataset(o), Error);
  o = small(dir.str(), 1);
  o.test_images_per_identity = 1;
  EXPECT_THROW(synthesize_dataset(o), Error);
  o = small("", 1);
  EXPECT_THROW(synthesize_dataset(o), Error);
}

TEST(Synth, IdentitiesAreMoreAlikeWithinThanAcross) {
  // A weak sanity check of identity signal: mean pixel distance between two images of the
  // same identity is below that between different identities, on average over many draws.
  double same = 0, diff = 0;
  const int n = 20;
  for (int i = 0; i < n; ++i) {
    cv::Mat a, b, c;
    render_synth_face(9, 0, i, 0, 64, a);
    render_synth_face(9, 0, i, 1, 64, b);
    render_synth_face(9, 0, i + 100, 0, 64, c);
    same += cv::norm(a, b, cv::NORM_L1);
    diff += cv::norm(a, c, cv::NORM_L1);
  }
  EXPECT_LT(same, diff);
}
