// Open-set identification: metrics on a hand-made distance matrix, the blocked scoring against a
// brute-force loop, and the gallery file (round trip, corruption named).
#include "facenet/eval/identification.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <random>

#include "facenet/core/error.h"
#include "facenet/core/fs.h"
#include "facenet/infer/gallery.h"

using namespace facenet;
using eval::DistanceMatrix;
namespace fs = std::filesystem;

namespace {

// 3 identities (columns), 5 probes:
//   p0 truth 0: [0.2 0.9 1.0]  rank 1, hit at 0.2
//   p1 truth 1: [0.5 0.6 1.1]  rank 2 (identity 0 is nearer)
//   p2 truth 2: [1.0 0.8 0.4]  rank 1, hit at 0.4
//   p3 non-mated: [0.7 1.2 1.3]  nearest 0.7
//   p4 non-mated: [1.5 0.3 1.4]  nearest 0.3
// rank-1 = 2/3, rank-2 = rank-5 = 1. Non-mated nearest sorted: [0.3, 0.7]; rank-1 hits: [0.2, 0.4].
// FPIR(t) = #{0.3, 0.7 < t} / 2; FNIR(t) = 1 - #{0.2, 0.4 < t} / 3.
// FPIR <= 0.01: floor(0.02) = 0 may pass -> t = 0.3 -> FPIR 0, FNIR 1 - 1/3 = 2/3.
// FPIR <= 0.5: 1 may pass -> t = 0.7 -> FPIR 0.5, FNIR 1/3. FPIR <= 1: t = inf, FPIR 1, FNIR 1/3.
DistanceMatrix hand_made() {
  return {5, 3, {0.2f, 0.9f, 1.0f, 0.5f, 0.6f, 1.1f, 1.0f, 0.8f, 0.4f, 0.7f, 1.2f, 1.3f, 1.5f, 0.3f, 1.4f}};
}
const std::vector<int64_t> kTruth{0, 1, 2, -1, -1};

}  // namespace

TEST(Identification, RanksOnHandMadeScores) {
  const auto d = hand_made();
  EXPECT_EQ(eval::rank_of(d, 1, 1), 2);
  EXPECT_NEAR(eval::rank_k_rate(d, kTruth, 1), 2.0 / 3, 1e-12);
  EXPECT_NEAR(eval::rank_k_rate(d, kTruth, 2), 1.0, 1e-12);
  EXPECT_NEAR(eval::rank_k_rate(d, kTruth, 5), 1.0, 1e-12);
  const auto top = eval::nearest(d, 2, 2);
  ASSERT_EQ(top.size(), 2u);
  EXPECT_EQ(top[0].first, 2);
  EXPECT_EQ(top[1].first, 1);
}

TEST(Identification, OpenSetFpirFnirOnHandMadeScores) {
  const auto d = hand_made();
  EXPECT_NEAR(eval::fpir_at(d, kTruth, 0.5), 0.5, 1e-12);
  EXPECT_NEAR(eval::fpir_at(d, kTruth, 0.3), 0.0, 1e-12);  // accept is distance < t
  EXPECT_NEAR(eval::fnir_at(d, kTruth, 0.5), 1.0 / 3, 1e-12);
  EXPECT_NEAR(eval::fnir_at(d, kTruth, 0.3), 2.0 / 3, 1e-12);
  EXPECT_NEAR(eval::threshold_at_fpir(d, kTruth, 0.01), 0.3, 1e-6);
  EXPECT_NEAR(eval::threshold_at_fpir(d, kTruth, 0.5), 0.7, 1e-6);
  EXPECT_TRUE(std::isinf(eval::threshold_at_fpir(d, kTruth, 1.0)));

  const auto r = eval::evaluate_identification(d, kTruth, {1e-2, 0.5}, 0.5);
  EXPECT_EQ(r.mated, 3);
  EXPECT_EQ(r.non_mated, 2);
  ASSERT_EQ(r.at_fpir.size(), 2u);
  EXPECT_NEAR(r.at_fpir[0].fpir, 0.0, 1e-12);
  EXPECT_NEAR(r.at_fpir[0].fnir, 2.0 / 3, 1e-12);
  EXPECT_NEAR(r.at_fpir[1].fpir, 0.5, 1e-12);
  EXPECT_NEAR(r.at_fpir[1].fnir, 1.0 / 3, 1e-12);
  EXPECT_NEAR(r.at_model_threshold.fpir, 0.5, 1e-12);
  EXPECT_NEAR(r.at_model_threshold.fnir, 1.0 / 3, 1e-12);
  // DET at t = 0.2, 0.3, 0.4, 0.7, inf.
  const std::vector<std::pair<double, double>> det{{0, 1}, {0, 2.0 / 3}, {0.5, 2.0 / 3}, {0.5, 1.0 / 3}, {1, 1.0 / 3}};
  ASSERT_EQ(r.det.size(), det.size());
  for (size_t i = 0; i < det.size(); ++i) {
    EXPECT_NEAR(r.det[i].fpir, det[i].first, 1e-12) << i;
    EXPECT_NEAR(r.det[i].fnir, det[i].second, 1e-12) << i;
  }
  const auto json = eval::to_json(r);
  EXPECT_NE(json.find("\"fnir_at_fpir\""), std::string::npos);
  EXPECT_NE(json.find("\"threshold\": null"), std::string::npos);  // the inf DET point

  // Without non-mated probes the open-set numbers are undefined (NaN), rank-1 is not.
  const auto closed = eval::evaluate_identification(d, {0, 1, 2, 0, 1}, {1e-2}, 0);
  EXPECT_TRUE(std::isnan(closed.at_fpir[0].fnir));
  EXPECT_NEAR(closed.rank1, 4.0 / 5, 1e-12);  // p1 misses; p3 as 0 (0.7 nearest), p4 as 1 (0.3) hit

  const auto png = (fs::temp_directory_path() / ("det_" + std::to_string(::getpid()) + ".png")).string();
  eval::write_det_png(png, r);
  EXPECT_GT(fs::file_size(png), 1000u);
  fs::remove(png);
}

TEST(Identification, BlockedScoresEqualBruteForce) {
  std::mt19937 rng(7);
  std::normal_distribution<float> n01;
  const int64_t rows = 23, dim = 8, ids = 5, probes = 4;
  auto unit = [&](int64_t count) {
    std::vector<float> v(static_cast<size_t>(count * dim));
    for (int64_t r = 0; r < count; ++r) {
      double s = 0;
      for (int64_t j = 0; j < dim; ++j) s += std::pow(v[r * dim + j] = n01(rng), 2);
      for (int64_t j = 0; j < dim; ++j) v[r * dim + j] /= static_cast<float>(std::sqrt(s));
    }
    return v;
  };
  auto g = unit(rows);
  const auto q = unit(probes);
  for (auto& v : g) v *= 0.9f;  // not exactly unit-norm, as some networks give
  std::vector<int32_t> labels(rows);
  for (int64_t r = 0; r < rows; ++r) labels[r] = static_cast<int32_t>((r * 3) % ids);
  for (int64_t block : {1, 4, 7, 1000}) {
    const auto d = eval::identity_distances(q.data(), probes, g.data(), labels.data(), rows, dim, ids, block);
    ASSERT_EQ(d.rows, probes);
    ASSERT_EQ(d.cols, ids);
    for (int64_t p = 0; p < probes; ++p)
      for (int64_t i = 0; i < ids; ++i) {
        double best = 1e9;
        for (int64_t r = 0; r < rows; ++r) {
          if (labels[r] != i) continue;
          double s = 0;
          for (int64_t j = 0; j < dim; ++j) s += std::pow(g[r * dim + j] - q[p * dim + j], 2);
          best = std::min(best, std::sqrt(s));
        }
        EXPECT_NEAR(d.at(p, i), best, 1e-3) << "block " << block << " probe " << p << " identity " << i;
      }
  }
}

namespace {
infer::Gallery small_gallery() {
  infer::Gallery g;
  g.model_digest = "crc32c:01234567:42";
  g.model = "/models/m.pt";
  g.meta.threshold = 0.8;
  g.dim = 2;
  g.identities = {"alice", "bob"};
  g.counts = {2, 1};
  g.labels = {0, 0, 1};
  g.sources = {"alice/1.jpg", "alice/2.jpg", "bob/1.jpg"};
  g.embeddings = {1, 0, 0.6f, 0.8f, 0, 1};
  return g;
}
}  // namespace

TEST(GalleryFile, RoundTripsAndNamesCorruption) {
  const auto dir = fs::temp_directory_path() / ("gallery_test_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const auto path = (dir / "g.fgal").string();
  infer::save_gallery(path, small_gallery());
  const auto back = infer::load_gallery(path);
  EXPECT_EQ(back.identities, small_gallery().identities);
  EXPECT_EQ(back.labels, small_gallery().labels);
  EXPECT_EQ(back.embeddings, small_gallery().embeddings);
  EXPECT_EQ(back.sources, small_gallery().sources);
  EXPECT_EQ(back.counts, small_gallery().counts);
  EXPECT_EQ(back.model_digest, "crc32c:01234567:42");
  EXPECT_DOUBLE_EQ(back.meta.threshold, 0.8);

  const auto bytes = read_file(path);
  auto expect_error = [&](const std::string& content, const std::string& what) {
    write_file_atomic(path, content);
    try {
      infer::load_gallery(path);
      ADD_FAILURE() << "no error for " << what;
    } catch (const Error& e) {
      const std::string m = e.what();
      EXPECT_NE(m.find("gallery '" + path + "'"), std::string::npos) << m;
      EXPECT_NE(m.find(what), std::string::npos) << m;
      EXPECT_EQ(m.find('\n'), std::string::npos) << m;
    }
  };
  for (size_t at : {size_t{10}, size_t{30}, bytes.size() - 10, bytes.size() - 1}) {
    auto flipped = bytes;
    flipped[at] = static_cast<char>(flipped[at] ^ 0x10);
    expect_error(flipped, "checksum");
  }
  expect_error(bytes.substr(0, bytes.size() - 7), "checksum");
  expect_error(bytes.substr(0, 5), "truncated");
  expect_error("PK\x03\x04" + bytes.substr(4), "bad magic");

  infer::Gallery g = small_gallery();
  EXPECT_NO_THROW(infer::require_same_model(g, path, "crc32c:01234567:42", "m.pt"));
  EXPECT_THROW(infer::require_same_model(g, path, "crc32c:76543210:42", "other.pt"), Error);
  fs::remove_all(dir);
}
