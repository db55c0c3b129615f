// Legacy torch.save files (the format of facenet-pytorch's MTCNN weights): read as PyTorch reads
// them, and damaged ones (cut anywhere, bytes flipped, storages that claim more than the file
// holds) end in one facenet::Error naming the file, never a crash.
#include <gtest/gtest.h>

#include <filesystem>
#include <random>

#include "data/test_util.h"
#include "facenet/core/error.h"
#include "facenet/core/fs.h"
#include "facenet/core/state_dict_file.h"

using namespace facenet;
using facenet::test::TempDir;

namespace {

const std::string kPnet = std::string(FACENET_SOURCE_DIR) + "/models/mtcnn/pnet.pt";

}  // namespace

TEST(LegacyStateDict, ReadsPnetAsPyTorchDoes) {
  const auto state = read_state_dict(kPnet);
  ASSERT_EQ(state.size(), 13u);
  EXPECT_EQ(state[0].first, "conv1.weight");
  EXPECT_EQ(state[0].second.sizes(), (std::vector<int64_t>{10, 3, 3, 3}));
  EXPECT_EQ(state[12].first, "conv4_2.bias");
  // Values printed by Python: torch.load("pnet.pt")["prelu1.weight"][:3] and ["conv4_2.bias"].
  const auto prelu = state[2].second;
  EXPECT_EQ(state[2].first, "prelu1.weight");
  EXPECT_EQ(prelu.scalar_type(), torch::kFloat);
  EXPECT_FLOAT_EQ(prelu[0].item<float>(), -0.6254063248634338f);
  EXPECT_FLOAT_EQ(state[12].second[3].item<float>(), -0.012187507003545761f);
}

TEST(LegacyStateDict, DamagedFilesGiveOneErrorNamingTheFile) {
  TempDir dir;
  const auto good = read_file(kPnet);
  const auto path = (dir / "pnet.pt").string();
  std::mt19937 rng(7);
  int refused = 0, read = 0;
  auto attempt = [&](const std::string& bytes) {
    write_file_atomic(path, bytes);
    try {
      (void)read_state_dict(path);
      ++read;
    } catch (const Error& e) {
      ++refused;
      EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
    }
  };
  // Cut at every pickle boundary region and at random places.
  for (size_t cut : {size_t{0}, size_t{5}, size_t{14}, size_t{20}, size_t{40}, size_t{200}, size_t{1000}, good.size() - 4})
    attempt(good.substr(0, cut));
  for (int i = 0; i < 60; ++i) attempt(good.substr(0, rng() % good.size()));
  // Flipped bytes in the pickles (the first ~2 kB); flips in raw storage bytes load (changed weights).
  for (int i = 0; i < 200; ++i) {
    auto bad = good;
    bad[rng() % 2048] ^= static_cast<char>(1 + rng() % 255);
    attempt(bad);
  }
  EXPECT_GT(refused, 60);
  EXPECT_GT(read, 0);  // some flips only change a name's letter or a weight: still a dict of tensors
}
