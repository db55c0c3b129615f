#include "facenet/eval/cluster.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <map>
#include <random>

#include "facenet/core/error.h"

namespace facenet::eval {
namespace {

void check_square(const DistanceMatrix& d) {
  if (d.rows != d.cols || static_cast<int64_t>(d.values.size()) != d.rows * d.cols)
    throw Error(fmt::format("clustering: expected a square distance matrix, got {} x {}", d.rows, d.cols));
}

double f1(double p, double r) { return p + r > 0 ? 2 * p * r / (p + r) : 0; }

}  // namespace

std::vector<int64_t> relabel_by_appearance(const std::vector<int64_t>& labels) {
  std::map<int64_t, int64_t> map;
  std::vector<int64_t> out;
  out.reserve(labels.size());
  for (auto l : labels) {
    if (l < 0) {
      out.push_back(-1);
      continue;
    }
    const auto it = map.emplace(l, static_cast<int64_t>(map.size())).first;
    out.push_back(it->second);
  }
  return out;
}

std::vector<int64_t> chinese_whispers(const DistanceMatrix& d, double threshold, int64_t iterations, uint64_t seed) {
  check_square(d);
  const int64_t n = d.rows;
  std::vector<std::vector<int64_t>> neighbours(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j)
      if (d.at(i, j) < threshold || i == j) neighbours[static_cast<size_t>(i)].push_back(j);
  std::vector<int64_t> labels(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) labels[static_cast<size_t>(i)] = i;
  if (n == 0) return labels;
  std::mt19937_64 rng(seed);
  std::map<int64_t, double> counts;
  for (int64_t step = 0; step < iterations * n; ++step) {
    const auto i = static_cast<size_t>(rng() % static_cast<uint64_t>(n));
    counts.clear();
    for (auto j : neighbours[i]) counts[labels[static_cast<size_t>(j)]] += 1.0;
    double best = -1;
    int64_t best_label = labels[i];
    for (const auto& [label, weight] : counts)  // ascending labels: ties keep the smallest
      if (weight > best) best = weight, best_label = label;
    labels[i] = best_label;
  }
  return relabel_by_appearance(labels);
}

std::vector<int64_t> dbscan(const DistanceMatrix& d, double eps, int64_t min_samples) {
  check_square(d);
  const int64_t n = d.rows;
  std::vector<std::vector<int64_t>> neighbours(static_cast<size_t>(n));
  std::vector<char> core(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = 0; j < n; ++j)
      if (d.at(i, j) <= eps || i == j) neighbours[static_cast<size_t>(i)].push_back(j);
    core[static_cast<size_t>(i)] = static_cast<int64_t>(neighbours[static_cast<size_t>(i)].size()) >= min_samples;
  }
  std::vector<int64_t> labels(static_cast<size_t>(n), -1), stack;
  int64_t label = 0;
  for (int64_t start = 0; start < n; ++start) {
    if (labels[static_cast<size_t>(start)] != -1 || !core[static_cast<size_t>(start)]) continue;
    stack.push_back(start);
    while (!stack.empty()) {
      const auto i = static_cast<size_t>(stack.back());
      stack.pop_back();
      if (labels[i] != -1) continue;
      labels[i] = label;
      if (!core[i]) continue;
      for (auto v : neighbours[i])
        if (labels[static_cast<size_t>(v)] == -1) stack.push_back(v);
    }
    ++label;
  }
  return labels;
}

std::vector<int64_t> agglomerative_average(const DistanceMatrix& d, double cut) {
  check_square(d);
  const auto n = static_cast<size_t>(d.rows);
  std::vector<double> dist(d.values.begin(), d.values.end());  // cluster-to-cluster mean distances
  std::vector<int64_t> size(n, 1), owner(n);                    // owner: the cluster each item is in
  std::vector<char> alive(n, 1);
  for (size_t i = 0; i < n; ++i) owner[i] = static_cast<int64_t>(i);
  while (true) {
    double best = std::numeric_limits<double>::infinity();
    size_t a = 0, b = 0;
    for (size_t i = 0; i < n; ++i) {
      if (!alive[i]) continue;
      for (size_t j = i + 1; j < n; ++j)
        if (alive[j] && dist[i * n + j] < best) best = dist[i * n + j], a = i, b = j;
    }
    if (!(best < cut)) break;
    // Lance-Williams for average linkage: d(k, a+b) = (|a| d(k,a) + |b| d(k,b)) / (|a| + |b|).
    for (size_t k = 0; k < n; ++k) {
      if (!alive[k] || k == a || k == b) continue;
      const double v = (size[a] * dist[k * n + a] + size[b] * dist[k * n + b]) / static_cast<double>(size[a] + size[b]);
      dist[k * n + a] = dist[a * n + k] = v;
    }
    size[a] += size[b];
    alive[b] = 0;
    for (auto& o : owner)
      if (o == static_cast<int64_t>(b)) o = static_cast<int64_t>(a);
  }
  return relabel_by_appearance(owner);
}

ClusterScores score_clustering(const std::vector<int64_t>& predicted, const std::vector<int64_t>& truth) {
  if (predicted.size() != truth.size())
    throw Error(fmt::format("cluster scores: {} predictions for {} items", predicted.size(), truth.size()));
  ClusterScores s;
  const auto n = predicted.size();
  s.items = static_cast<int64_t>(n);
  if (n == 0) return s;
  // Noise (-1) items are clusters of their own: give each a distinct negative id.
  std::vector<int64_t> pred(predicted);
  int64_t next = -2;
  for (auto& p : pred)
    if (p < 0) p = next--;
  std::map<int64_t, int64_t> cluster_size, class_size;
  std::map<std::pair<int64_t, int64_t>, int64_t> both;
  for (size_t i = 0; i < n; ++i) {
    ++cluster_size[pred[i]];
    ++class_size[truth[i]];
    ++both[{pred[i], truth[i]}];
  }
  s.clusters = static_cast<int64_t>(cluster_size.size());
  s.people = static_cast<int64_t>(class_size.size());
  auto pairs = [](int64_t k) { return static_cast<double>(k) * (k - 1) / 2; };
  double tp = 0, pred_pairs = 0, true_pairs = 0;
  for (const auto& [key, k] : both) tp += pairs(k);
  for (const auto& [key, k] : cluster_size) pred_pairs += pairs(k);
  for (const auto& [key, k] : class_size) true_pairs += pairs(k);
  s.pairwise_precision = pred_pairs > 0 ? tp / pred_pairs : 1;
  s.pairwise_recall = true_pairs > 0 ? tp / true_pairs : 1;
  s.pairwise_f1 = f1(s.pairwise_precision, s.pairwise_recall);
  double bp = 0, br = 0;
  for (size_t i = 0; i < n; ++i) {
    const double common = static_cast<double>(both[{pred[i], truth[i]}]);
    bp += common / cluster_size[pred[i]];
    br += common / class_size[truth[i]];
  }
  s.bcubed_precision = bp / n;
  s.bcubed_recall = br / n;
  s.bcubed_f1 = f1(s.bcubed_precision, s.bcubed_recall);
  return s;
}

}  // namespace facenet::eval
