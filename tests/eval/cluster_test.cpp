// Clustering algorithms on hand-made distance matrices (results worked out by hand below), on
// well-separated synthetic embeddings, and the clustering scores on hand-made assignments.
#include "facenet/eval/cluster.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

using namespace facenet::eval;
using Labels = std::vector<int64_t>;

namespace {

// |x_i - x_j| for points on a line.
DistanceMatrix line(const std::vector<double>& x) {
  DistanceMatrix d;
  d.rows = d.cols = static_cast<int64_t>(x.size());
  for (double a : x)
    for (double b : x) d.values.push_back(static_cast<float>(std::abs(a - b)));
  return d;
}

// 6 people x 5 faces of 16-d unit embeddings: each person a random direction plus noise 0.03 per value,
// so a face is ~0.17 from its own person's faces and ~1.4 (at least ~0.8) from the others'.
std::pair<DistanceMatrix, Labels> separated() {
  std::mt19937 rng(11);
  std::normal_distribution<double> n01;
  const int people = 6, faces = 5, dim = 16;
  std::vector<std::vector<double>> e;
  Labels truth;
  for (int p = 0; p < people; ++p) {
    std::vector<double> centre(dim);
    for (auto& v : centre) v = n01(rng);
    for (int f = 0; f < faces; ++f) {
      std::vector<double> x(dim);
      double norm = 0, cn = 0;
      for (auto v : centre) cn += v * v;
      for (int j = 0; j < dim; ++j) x[j] = centre[j] / std::sqrt(cn) + 0.03 * n01(rng), norm += x[j] * x[j];
      for (auto& v : x) v /= std::sqrt(norm);
      e.push_back(x);
      truth.push_back(p);
    }
  }
  // Shuffle so that people are not contiguous.
  std::vector<size_t> order(e.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::shuffle(order.begin(), order.end(), rng);
  DistanceMatrix d;
  d.rows = d.cols = static_cast<int64_t>(e.size());
  Labels t;
  for (auto i : order) {
    t.push_back(truth[i]);
    for (auto j : order) {
      double s = 0;
      for (int k = 0; k < dim; ++k) s += std::pow(e[i][k] - e[j][k], 2);
      d.values.push_back(static_cast<float>(std::sqrt(s)));
    }
  }
  return {d, t};
}

}  // namespace

TEST(Cluster, EveryMethodIsPerfectOnWellSeparatedEmbeddings) {
  const auto [d, truth] = separated();
  for (const auto& labels : {chinese_whispers(d, 0.6, 100, 1), dbscan(d, 0.6, 2), agglomerative_average(d, 0.6)}) {
    const auto s = score_clustering(labels, truth);
    EXPECT_EQ(s.clusters, 6);
    EXPECT_DOUBLE_EQ(s.pairwise_f1, 1.0);
    EXPECT_DOUBLE_EQ(s.bcubed_f1, 1.0);
  }
}

// Nodes 0,1,2 pairwise 0.5 apart (a triangle under threshold 1), node 3 alone, nodes 4,5 0.5 apart.
// Chinese whispers: a node of the triangle sees labels of itself and the two others; with distinct
// labels it ties and takes the smallest, and a label held by two of the three wins outright, so the
// triangle ends with one label whatever the order; 3 keeps its own; 4,5 end as one.
TEST(Cluster, ChineseWhispersHandMade) {
  DistanceMatrix d{6, 6, std::vector<float>(36, 5.0f)};
  auto set = [&](int i, int j, float v) { d.values[i * 6 + j] = d.values[j * 6 + i] = v; };
  for (int i = 0; i < 6; ++i) set(i, i, 0);
  set(0, 1, 0.5f), set(0, 2, 0.5f), set(1, 2, 0.5f), set(4, 5, 0.5f);
  for (uint64_t seed : {0u, 1u, 2u, 3u}) EXPECT_EQ(chinese_whispers(d, 1.0, 100, seed), (Labels{0, 0, 0, 1, 2, 2}));
  // Threshold below every distance: no edges but the self-edges, every node its own cluster.
  EXPECT_EQ(chinese_whispers(d, 0.4, 100, 0), (Labels{0, 1, 2, 3, 4, 5}));
}

// Points 0, 0.5, 1.0, 1.5, 5, 5.4, 9 with eps 0.55 (neighbourhoods include the point):
//  0: {0, .5} 2; .5: {0, .5, 1} 3; 1: {.5, 1, 1.5} 3; 1.5: {1, 1.5} 2; 5: {5, 5.4} 2; 5.4: 2; 9: 1.
// min_samples 3: cores .5 and 1 -> cluster 0 = {.5, 1} + borders 0 and 1.5; 5, 5.4, 9 are noise.
// min_samples 2: every point but 9 is core -> {0..1.5}, {5, 5.4}; 9 noise.
TEST(Cluster, DbscanHandMade) {
  const auto d = line({0, 0.5, 1.0, 1.5, 5, 5.4, 9});
  EXPECT_EQ(dbscan(d, 0.55, 3), (Labels{0, 0, 0, 0, -1, -1, -1}));
  EXPECT_EQ(dbscan(d, 0.55, 2), (Labels{0, 0, 0, 0, 1, 1, -1}));
  EXPECT_EQ(dbscan(d, 0.55, 1), (Labels{0, 0, 0, 0, 1, 1, 2}));  // min_samples 1: no noise
}

// Points 0, 1, 3, 10, 11: merge {0,1} at 1, {10,11} at 1; then d({0,1},{3}) = (3 + 2) / 2 = 2.5
// (single linkage would say 2); then d({0,1,3},{10,11}) = (10+11+9+10+7+8) / 6 = 9.
// cut 2.5: the 2.5 merge is not made (at or above the cut) -> {0,1}, {3}, {10,11}.
// cut 2.6: it is -> {0,1,3}, {10,11}. cut 9.5: one cluster.
TEST(Cluster, AgglomerativeAverageHandMade) {
  const auto d = line({0, 1, 3, 10, 11});
  EXPECT_EQ(agglomerative_average(d, 2.5), (Labels{0, 0, 1, 2, 2}));
  EXPECT_EQ(agglomerative_average(d, 2.6), (Labels{0, 0, 0, 1, 1}));
  EXPECT_EQ(agglomerative_average(d, 9.5), (Labels{0, 0, 0, 0, 0}));
  EXPECT_EQ(agglomerative_average(d, 0.5), (Labels{0, 1, 2, 3, 4}));
}

// truth [0 0 0 1 1], predicted [0 0 1 1 1].
// Pairwise: together in both = {01} {34} = 2; predicted pairs C(2,2)+C(3,2) = 4; true pairs
// C(3,2)+C(2,2) = 4 -> P = R = F1 = 0.5.
// BCubed precision per item: 2/2, 2/2, 1/3, 2/3, 2/3 -> 11/15; recall: 2/3, 2/3, 1/3, 2/2, 2/2
// -> 11/15; F1 11/15.
TEST(Cluster, ScoresOnHandMadeAssignments) {
  const auto s = score_clustering({0, 0, 1, 1, 1}, {0, 0, 0, 1, 1});
  EXPECT_DOUBLE_EQ(s.pairwise_precision, 0.5);
  EXPECT_DOUBLE_EQ(s.pairwise_recall, 0.5);
  EXPECT_DOUBLE_EQ(s.pairwise_f1, 0.5);
  EXPECT_NEAR(s.bcubed_precision, 11.0 / 15, 1e-12);
  EXPECT_NEAR(s.bcubed_recall, 11.0 / 15, 1e-12);
  EXPECT_NEAR(s.bcubed_f1, 11.0 / 15, 1e-12);
  EXPECT_EQ(s.clusters, 2);
  EXPECT_EQ(s.people, 2);
  // Noise items are singletons: all noise -> precision 1, recall 0 pairwise.
  const auto noise = score_clustering({-1, -1, -1}, {0, 0, 0});
  EXPECT_EQ(noise.clusters, 3);
  EXPECT_DOUBLE_EQ(noise.pairwise_precision, 1.0);
  EXPECT_DOUBLE_EQ(noise.pairwise_recall, 0.0);
  EXPECT_NEAR(noise.bcubed_recall, 1.0 / 3, 1e-12);
}
