#pragma once
// Face clustering (`facenet cluster`) as pure functions over a square distance matrix, and the
// scores that compare a clustering with known identities. Torch-free.
#include <cstdint>
#include <string>
#include <vector>

#include "facenet/eval/identification.h"  // DistanceMatrix

namespace facenet::eval {

/// dlib's chinese_whispers (dlib/clustering/chinese_whispers.h, as dnn_face_recognition_ex.cpp
/// uses it): an edge of weight 1 joins i and j (self-edges included) when d(i, j) < threshold;
/// labels start as the node index; iterations x N times a node drawn at random (std::mt19937_64
/// seeded with `seed`) takes the label with the largest summed edge weight among its neighbours
/// (ties: the smallest label). Returns labels 0..K-1 numbered by first appearance.
std::vector<int64_t> chinese_whispers(const DistanceMatrix& d, double threshold, int64_t iterations = 100,
                                      uint64_t seed = 0);

/// scikit-learn's DBSCAN(metric="precomputed"): the eps-neighbourhood is d <= eps and includes the
/// point itself; a core point has >= min_samples points in it; clusters grow from core points in
/// index order (depth-first, as sklearn's dbscan_inner), border points join the first cluster that
/// reaches them; noise is -1. Clusters are numbered 0..K-1 in order of their first core point.
std::vector<int64_t> dbscan(const DistanceMatrix& d, double eps, int64_t min_samples);

/// Average-linkage (UPGMA) agglomerative clustering: repeatedly merge the two clusters with the
/// smallest mean pairwise distance while it is < cut (scikit-learn's distance_threshold: at or
/// above it clusters are not merged; ties: the pair with the smallest indices). O(N^3) time worst
/// case, O(N^2) memory. Labels 0..K-1 by first appearance.
std::vector<int64_t> agglomerative_average(const DistanceMatrix& d, double cut);

/// Renumbers labels 0..K-1 in order of first appearance; -1 (noise) stays -1.
std::vector<int64_t> relabel_by_appearance(const std::vector<int64_t>& labels);

struct ClusterScores {
  double pairwise_precision = 0, pairwise_recall = 0, pairwise_f1 = 0;  ///< over same-cluster pairs
  double bcubed_precision = 0, bcubed_recall = 0, bcubed_f1 = 0;        ///< per item, averaged
  int64_t clusters = 0, people = 0, items = 0;
};

/// Compares predicted labels with true ones (same length; a -1 prediction is a cluster of its own).
/// Pairwise: precision = pairs together in both / pairs together in the prediction, recall = / pairs
/// together in the truth (1 when there are no such pairs). BCubed (Bagga & Baldwin 1998, Amigo et al.
/// 2009): for each item, |its cluster and its class| / |its cluster| (precision) and / |its class|
/// (recall), averaged over items. F1 = harmonic mean.
ClusterScores score_clustering(const std::vector<int64_t>& predicted, const std::vector<int64_t>& truth);

}  // namespace facenet::eval
