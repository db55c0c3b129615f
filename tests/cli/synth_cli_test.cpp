// `facenet synth`, `annotate`, `align` and `bench-data` run as a user would.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "support/cli_runner.h"

using facenet::test::run_cli;
namespace fs = std::filesystem;

namespace {
struct Tmp {
  fs::path path = fs::temp_directory_path() / ("facenet_synth_cli_" + std::to_string(::getpid()));
  Tmp() { fs::remove_all(path); }
  ~Tmp() { fs::remove_all(path); }
};
std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
}  // namespace

TEST(SynthCli, WritesTreeAndPairsThenAnnotateAndBench) {
  Tmp tmp;
  const auto out = tmp.path / "synth";
  auto r = run_cli("synth --out " + out.string() +
                   " --identities 3 --images-per-identity 4 --pair-identities 4 --folds 2 --pairs-per-fold 3"
                   " --size 64 --seed 7");
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("wrote 12 train images, 16 test images, 12 pairs"), std::string::npos) << r.output;
  EXPECT_TRUE(fs::exists(out / "train/id00003/id00003_0004.jpg"));
  EXPECT_TRUE(fs::exists(out / "test/test00004/test00004_0004.jpg"));
  const auto pairs = slurp(out / "test/pairs.txt");
  EXPECT_EQ(pairs.substr(0, pairs.find('\n')), "2\t3");
  EXPECT_EQ(std::count(pairs.begin(), pairs.end(), '\n'), 13);

  r = run_cli("annotate " + (out / "train").string() + " --out " + (tmp.path / "cls_train.txt").string());
  ASSERT_EQ(r.code, 0) << r.output;
  const auto ann = slurp(tmp.path / "cls_train.txt");
  EXPECT_EQ(std::count(ann.begin(), ann.end(), '\n'), 12);
  EXPECT_EQ(ann.substr(0, ann.find('\n')), "0;" + (out / "train/id00001/id00001_0001.jpg").string());

  // align with the whole image as the face; a second run finds everything aligned.
  const auto aligned = tmp.path / "aligned";
  const auto align = "align --detect none --size 32 --input " + (out / "train").string() + " --output " + aligned.string();
  r = run_cli(align);
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("12 images: 12 faces, 0 without a face (skipped), 0 unreadable, 0 already aligned;"),
            std::string::npos) << r.output;
  EXPECT_NE(r.output.find("images/s -> " + aligned.string() + " (bounding_boxes.txt, align.json)"), std::string::npos)
      << r.output;
  const auto boxes = slurp(aligned / "bounding_boxes.txt");
  EXPECT_EQ(boxes.substr(0, boxes.find('\n')), "id00001/id00001_0001.jpg 0 0 64 64");
  r = run_cli(align);
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("12 images: 0 faces, 0 without a face (skipped), 0 unreadable, 12 already aligned;"),
            std::string::npos) << r.output;
  EXPECT_EQ(slurp(aligned / "bounding_boxes.txt"), boxes);

  r = run_cli("bench-data --root " + (out / "train").string() +
              " --batches 2 --batch-size 6 --workers 2 --set data.preprocess.image_size=32");
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("12 images in"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("images/s"), std::string::npos) << r.output;
}

TEST(SynthCli, UsageErrors) {
  EXPECT_EQ(run_cli("synth --identities 3").code, 2);  // --out is required
  EXPECT_EQ(run_cli("align --input /x").code, 2);     // --output is required
  EXPECT_EQ(run_cli("align --input /x --output /y --no-face maybe").code, 2);
  auto r = run_cli("annotate /nonexistent/facenet_root --out /tmp/x.txt");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.output.find("/nonexistent/facenet_root"), std::string::npos) << r.output;
  for (const char* sub : {"synth", "align", "annotate", "bench-data"}) {
    r = run_cli(std::string(sub) + " --help");
    EXPECT_EQ(r.code, 0) << sub;
    EXPECT_NE(r.output.find("Usage"), std::string::npos) << sub;
  }
}
