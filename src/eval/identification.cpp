#include "facenet/eval/identification.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <numeric>

#include "facenet/core/error.h"
#include "facenet/eval/plot.h"

namespace facenet::eval {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

// Each probe's nearest identity distance, split by mated / non-mated.
std::vector<double> non_mated_minima(const DistanceMatrix& d, const std::vector<int64_t>& truth) {
  std::vector<double> out;
  for (int64_t r = 0; r < d.rows; ++r) {
    if (truth[static_cast<size_t>(r)] >= 0) continue;
    float best = std::numeric_limits<float>::infinity();
    for (int64_t c = 0; c < d.cols; ++c) best = std::min(best, d.at(r, c));
    out.push_back(best);
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Distances of the mated probes returned at rank 1 (others never pass any threshold).
std::vector<double> rank1_hit_distances(const DistanceMatrix& d, const std::vector<int64_t>& truth, int64_t* mated) {
  std::vector<double> out;
  *mated = 0;
  for (int64_t r = 0; r < d.rows; ++r) {
    const auto t = truth[static_cast<size_t>(r)];
    if (t < 0) continue;
    ++*mated;
    if (rank_of(d, r, t) == 1) out.push_back(d.at(r, t));
  }
  std::sort(out.begin(), out.end());
  return out;
}

double below(const std::vector<double>& sorted, double t) {
  return static_cast<double>(std::lower_bound(sorted.begin(), sorted.end(), t) - sorted.begin());
}

void check(const DistanceMatrix& d, const std::vector<int64_t>& truth) {
  if (static_cast<int64_t>(truth.size()) != d.rows)
    throw Error(fmt::format("identification: {} truths for {} probes", truth.size(), d.rows));
  for (auto t : truth)
    if (t >= d.cols) throw Error(fmt::format("identification: identity {} of {} identities", t, d.cols));
}

}  // namespace

DistanceMatrix identity_distances(const float* probes, int64_t num_probes, const float* gallery, const int32_t* labels,
                                  int64_t gallery_rows, int64_t dim, int64_t identities, int64_t block_rows) {
  torch::NoGradGuard no_grad;
  DistanceMatrix out;
  out.rows = num_probes;
  out.cols = identities;
  if (num_probes == 0 || identities == 0) return out;
  const auto q = torch::from_blob(const_cast<float*>(probes), {num_probes, dim}, torch::kFloat);
  const auto g = torch::from_blob(const_cast<float*>(gallery), {gallery_rows, dim}, torch::kFloat);
  // Per (probe, identity): the smallest |g|^2 - 2 q.g over the identity's rows; |q|^2 is added at the
  // end (||q - g||^2 = |q|^2 + |g|^2 - 2 q.g; embeddings need not be exactly unit-norm). Identities
  // without rows stay at +inf.
  const auto qn = q.pow(2).sum(1).contiguous();
  std::vector<float> best(static_cast<size_t>(num_probes * identities), std::numeric_limits<float>::infinity());
  block_rows = std::max<int64_t>(1, block_rows);
  for (int64_t start = 0; start < gallery_rows; start += block_rows) {
    const auto n = std::min(block_rows, gallery_rows - start);
    const auto block = g.narrow(0, start, n);
    const auto s = torch::mm(block, q.t()).contiguous();  // (n, P) dot products: a plain GEMM/GEMV
    const auto gn = block.norm(2, {1}).pow(2).contiguous();  // no (n, dim) temporary
    const float* sp = s.data_ptr<float>();
    const float* gp = gn.data_ptr<float>();
    const int32_t* lab = labels + start;
    // The min into each row's identity: one pass over the block per probe.
    at::parallel_for(0, num_probes, 1, [&](int64_t p0, int64_t p1) {
      for (int64_t p = p0; p < p1; ++p) {
        float* b = best.data() + p * identities;
        for (int64_t j = 0; j < n; ++j) b[lab[j]] = std::min(b[lab[j]], gp[j] - 2 * sp[j * num_probes + p]);
      }
    });
  }
  out.values.resize(best.size());
  const float* qnp = qn.data_ptr<float>();
  for (int64_t p = 0; p < num_probes; ++p)
    for (int64_t c = 0; c < identities; ++c) {
      const auto i = static_cast<size_t>(p * identities + c);
      out.values[i] = std::sqrt(std::max(0.0f, best[i] + qnp[p]));
    }
  return out;
}

std::vector<std::pair<int64_t, float>> nearest(const DistanceMatrix& d, int64_t row, int64_t k) {
  std::vector<int64_t> idx(static_cast<size_t>(d.cols));
  std::iota(idx.begin(), idx.end(), 0);
  k = std::min(k, d.cols);
  std::partial_sort(idx.begin(), idx.begin() + k, idx.end(), [&](int64_t a, int64_t b) {
    return d.at(row, a) < d.at(row, b) || (d.at(row, a) == d.at(row, b) && a < b);
  });
  std::vector<std::pair<int64_t, float>> out;
  for (int64_t i = 0; i < k; ++i) out.emplace_back(idx[static_cast<size_t>(i)], d.at(row, idx[static_cast<size_t>(i)]));
  return out;
}

int64_t rank_of(const DistanceMatrix& d, int64_t row, int64_t truth) {
  const float own = d.at(row, truth);
  int64_t rank = 1;
  for (int64_t c = 0; c < d.cols; ++c)
    if (c != truth && d.at(row, c) <= own) ++rank;
  return rank;
}

double rank_k_rate(const DistanceMatrix& d, const std::vector<int64_t>& truth, int64_t k) {
  check(d, truth);
  int64_t mated = 0, hits = 0;
  for (int64_t r = 0; r < d.rows; ++r) {
    const auto t = truth[static_cast<size_t>(r)];
    if (t < 0) continue;
    ++mated;
    hits += rank_of(d, r, t) <= k;
  }
  return mated ? static_cast<double>(hits) / mated : kNaN;
}

double fpir_at(const DistanceMatrix& d, const std::vector<int64_t>& truth, double threshold) {
  check(d, truth);
  const auto m = non_mated_minima(d, truth);
  return m.empty() ? kNaN : below(m, threshold) / m.size();
}

double fnir_at(const DistanceMatrix& d, const std::vector<int64_t>& truth, double threshold) {
  check(d, truth);
  int64_t mated = 0;
  const auto hits = rank1_hit_distances(d, truth, &mated);
  return mated ? 1 - below(hits, threshold) / mated : kNaN;
}

double threshold_at_fpir(const DistanceMatrix& d, const std::vector<int64_t>& truth, double target) {
  check(d, truth);
  const auto m = non_mated_minima(d, truth);
  if (m.empty()) return kNaN;
  // floor(target * M) non-mated probes may pass; the next one's distance is the largest t that
  // keeps them out (accept is distance < t).
  const auto allowed = static_cast<size_t>(std::floor(target * static_cast<double>(m.size()) + 1e-9));
  return allowed >= m.size() ? kInf : m[allowed];
}

IdentificationReport evaluate_identification(const DistanceMatrix& d, const std::vector<int64_t>& truth,
                                             const std::vector<double>& fpir_targets, double model_threshold) {
  check(d, truth);
  IdentificationReport r;
  r.probes = d.rows;
  r.identities = d.cols;
  const auto m = non_mated_minima(d, truth);
  const auto hits = rank1_hit_distances(d, truth, &r.mated);
  r.non_mated = static_cast<int64_t>(m.size());
  r.rank1 = rank_k_rate(d, truth, 1);
  r.rank5 = rank_k_rate(d, truth, 5);
  auto point = [&](double t) {
    OpenSetPoint p;
    p.threshold = t;
    p.fpir = m.empty() || std::isnan(t) ? kNaN : below(m, t) / m.size();
    p.fnir = r.mated == 0 || std::isnan(t) ? kNaN : 1 - below(hits, t) / r.mated;
    return p;
  };
  for (double target : fpir_targets) {
    auto p = point(threshold_at_fpir(d, truth, target));
    p.fpir_target = target;
    r.at_fpir.push_back(p);
  }
  r.at_model_threshold = point(model_threshold > 0 ? model_threshold : kNaN);
  // DET: every distinct distance at which FPIR or FNIR changes, then +inf.
  std::vector<double> ts(m.begin(), m.end());
  ts.insert(ts.end(), hits.begin(), hits.end());
  std::sort(ts.begin(), ts.end());
  ts.erase(std::unique(ts.begin(), ts.end()), ts.end());
  ts.push_back(kInf);
  for (double t : ts) r.det.push_back(point(t));
  return r;
}

std::string to_json(const IdentificationReport& r) {
  auto num = [](double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); };
  auto pt = [&](const OpenSetPoint& p) {
    return nlohmann::json{{"threshold", num(p.threshold)}, {"fpir", num(p.fpir)}, {"fnir", num(p.fnir)}};
  };
  nlohmann::json j;
  j["probes"] = r.probes;
  j["mated"] = r.mated;
  j["non_mated"] = r.non_mated;
  j["identities"] = r.identities;
  j["rank1"] = num(r.rank1);
  j["rank5"] = num(r.rank5);
  j["fnir_at_fpir"] = nlohmann::json::array();
  for (const auto& p : r.at_fpir) {
    auto e = pt(p);
    e["fpir_target"] = p.fpir_target;
    j["fnir_at_fpir"].push_back(e);
  }
  j["at_model_threshold"] = pt(r.at_model_threshold);
  j["det"] = nlohmann::json::array();
  for (const auto& p : r.det) j["det"].push_back(pt(p));
  return j.dump(2) + "\n";
}

void write_det_png(const std::string& path, const IdentificationReport& r) {
  const std::vector<double> decades{1e-4, 1e-3, 1e-2, 1e-1, 1};
  const auto power = [](double v) { return fmt::format("1e{}", static_cast<int>(std::lround(std::log10(v)))); };
  Plot plot({640, 520, 80, 20, 50, 60},
            fmt::format("DET, open-set 1:N: {} mated, {} non-mated probes, rank-1 {:.3f}", r.mated, r.non_mated, r.rank1),
            {1e-4, 1, true, decades, "FPIR (non-mated probes accepted)", power},
            {1e-4, 1, true, decades, "FNIR", power});
  PlotSeries curve{"", {200, 80, 0}, {}};
  for (const auto& p : r.det) curve.points.push_back({p.fpir, p.fnir});
  plot.add(std::move(curve));
  for (const auto& p : r.at_fpir)
    plot.add(PlotMarker{{p.fpir, p.fnir}, {0, 0, 220}, fmt::format("FNIR {:.3f} @ FPIR {:g}", p.fnir, p.fpir_target), true});
  plot.write_png(path);
}

}  // namespace facenet::eval
