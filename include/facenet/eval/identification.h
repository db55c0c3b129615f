#pragma once
// 1:N identification against a gallery: the scoring (one blocked matrix product over every gallery
// embedding, reduced to each identity's nearest embedding) and the open-set metrics, as pure
// functions over a probe x identity distance matrix so tests can use hand-made scores. Torch-free.
//
// Definitions (NIST FRVT 1:N, NISTIR 8271 section 3, with distances: accept when distance < t):
//  - mated probe: its identity is in the gallery; non-mated: it is not (truth = -1).
//  - rank of a mated probe = 1 + the number of other identities at a distance <= its own identity's
//    (ties count against the probe).
//  - FPIR(t) = fraction of non-mated probes whose nearest identity is at distance < t.
//  - FNIR(t) = fraction of mated probes that are not returned at rank 1 with distance < t.
//  - FNIR at FPIR = x: FNIR(t) at the largest t with FPIR(t) <= x, t taken from the non-mated
//    nearest distances (t = +inf when every non-mated probe may pass).
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace facenet::eval {

/// Row-major probes x identities L2 distances.
struct DistanceMatrix {
  int64_t rows = 0, cols = 0;
  std::vector<float> values;
  float at(int64_t r, int64_t c) const { return values[static_cast<size_t>(r * cols + c)]; }
};

/// Distance from each probe to each identity = the L2 distance to the identity's nearest gallery
/// embedding. probes (P, dim) and gallery (N, dim) are float32 rows; labels[n] in [0, identities)
/// is row n's identity. Computed as ||q - g||^2 = |q|^2 + |g|^2 - 2 q.g with the dot products from
/// one matrix product per block of `block_rows` gallery rows (bounded memory), each block
/// min-reduced into its rows' identities (one pass over the block).
DistanceMatrix identity_distances(const float* probes, int64_t num_probes, const float* gallery, const int32_t* labels,
                                  int64_t gallery_rows, int64_t dim, int64_t identities, int64_t block_rows = 32768);

/// The k nearest identities of probe `row`: (identity, distance), nearest first.
std::vector<std::pair<int64_t, float>> nearest(const DistanceMatrix& d, int64_t row, int64_t k);

/// Rank (1-based) of `truth` in row `row` as defined above.
int64_t rank_of(const DistanceMatrix& d, int64_t row, int64_t truth);

/// Fraction of mated probes (truth >= 0) whose identity ranks <= k; NaN without mated probes.
double rank_k_rate(const DistanceMatrix& d, const std::vector<int64_t>& truth, int64_t k);
double fpir_at(const DistanceMatrix& d, const std::vector<int64_t>& truth, double threshold);
double fnir_at(const DistanceMatrix& d, const std::vector<int64_t>& truth, double threshold);
/// The largest threshold with FPIR <= target (+inf when all non-mated may pass); NaN without
/// non-mated probes.
double threshold_at_fpir(const DistanceMatrix& d, const std::vector<int64_t>& truth, double target);

struct OpenSetPoint {
  double threshold = 0, fpir = 0, fnir = 0;
  double fpir_target = 0;  ///< for the FNIR-at-FPIR points; 0 on curve points
};

struct IdentificationReport {
  int64_t probes = 0, mated = 0, non_mated = 0, identities = 0;
  double rank1 = 0, rank5 = 0;
  std::vector<OpenSetPoint> at_fpir;  ///< one per target (threshold NaN without non-mated probes)
  OpenSetPoint at_model_threshold;    ///< at the model's stored threshold (0 = none: NaN values)
  std::vector<OpenSetPoint> det;      ///< the DET curve: one point per distinct threshold, FPIR rising
};

/// Everything above for targets (e.g. {1e-2, 1e-1}) and the model's L2 threshold.
IdentificationReport evaluate_identification(const DistanceMatrix& d, const std::vector<int64_t>& truth,
                                             const std::vector<double>& fpir_targets, double model_threshold);

/// JSON (NaN and inf -> null): probes, mated, non_mated, identities, rank1, rank5,
/// fnir_at_fpir [{fpir_target, threshold, fpir, fnir}], at_model_threshold {...}, det [{threshold, fpir, fnir}].
std::string to_json(const IdentificationReport& report);

/// DET plot: FNIR against FPIR, both on log10 axes (1e-4 .. 1; zeros drawn at the axis floor),
/// the FNIR-at-FPIR points marked. Written atomically (OpenCV PNG).
void write_det_png(const std::string& path, const IdentificationReport& report);

}  // namespace facenet::eval
