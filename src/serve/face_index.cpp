#include "facenet/serve/face_index.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <mutex>

#include "facenet/core/error.h"

namespace facenet::serve {

namespace {
/// Dot products of `rows` rows of `m` with `q`, four rows at a time over contiguous memory so the
/// compiler keeps four accumulators in vector registers (the search is bound by reading the matrix).
void dots(const float* m, int64_t rows, int64_t dim, const float* q, float* out) {
  int64_t r = 0;
  for (; r + 4 <= rows; r += 4) {
    const float* a = m + r * dim;
    float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
#pragma GCC ivdep
    for (int64_t j = 0; j < dim; ++j) {
      const float x = q[j];
      s0 += a[j] * x;
      s1 += a[dim + j] * x;
      s2 += a[2 * dim + j] * x;
      s3 += a[3 * dim + j] * x;
    }
    out[r] = s0;
    out[r + 1] = s1;
    out[r + 2] = s2;
    out[r + 3] = s3;
  }
  for (; r < rows; ++r) {
    float s = 0;
    for (int64_t j = 0; j < dim; ++j) s += m[r * dim + j] * q[j];
    out[r] = s;
  }
}

std::vector<float> normalised(const std::vector<float>& v) {
  double n = 0;
  for (float x : v) n += static_cast<double>(x) * x;
  n = std::sqrt(n);
  std::vector<float> out(v);
  if (n > 0)
    for (auto& x : out) x = static_cast<float>(x / n);
  return out;
}
}  // namespace

int64_t FaceIndex::size() const {
  std::shared_lock lock(mutex_);
  return static_cast<int64_t>(faces_.size());
}

void FaceIndex::add(int64_t face, int64_t person, const std::vector<float>& embedding) {
  if (static_cast<int64_t>(embedding.size()) != dim_)
    throw Error("face index: an embedding of " + std::to_string(embedding.size()) + " values, expected " +
                std::to_string(dim_));
  const auto unit = normalised(embedding);
  std::unique_lock lock(mutex_);
  matrix_.insert(matrix_.end(), unit.begin(), unit.end());
  faces_.push_back(face);
  persons_.push_back(person);
}

void FaceIndex::remove_rows(const std::vector<int64_t>& rows) {
  // Swap-with-last removal, highest rows first so earlier indices stay valid.
  for (auto it = rows.rbegin(); it != rows.rend(); ++it) {
    const int64_t r = *it, last = static_cast<int64_t>(faces_.size()) - 1;
    if (r != last) {
      std::copy_n(matrix_.begin() + last * dim_, dim_, matrix_.begin() + r * dim_);
      faces_[r] = faces_[last];
      persons_[r] = persons_[last];
    }
    matrix_.resize(static_cast<size_t>(last * dim_));
    faces_.pop_back();
    persons_.pop_back();
  }
}

void FaceIndex::remove_face(int64_t face) {
  std::unique_lock lock(mutex_);
  std::vector<int64_t> rows;
  for (size_t r = 0; r < faces_.size(); ++r)
    if (faces_[r] == face) rows.push_back(static_cast<int64_t>(r));
  remove_rows(rows);
}

void FaceIndex::remove_person(int64_t person) {
  std::unique_lock lock(mutex_);
  std::vector<int64_t> rows;
  for (size_t r = 0; r < persons_.size(); ++r)
    if (persons_[r] == person) rows.push_back(static_cast<int64_t>(r));
  remove_rows(rows);
}

std::vector<Match> FaceIndex::search(const std::vector<float>& probe, int64_t k) const {
  if (static_cast<int64_t>(probe.size()) != dim_)
    throw Error("face index: a probe of " + std::to_string(probe.size()) + " values, expected " +
                std::to_string(dim_));
  const auto q = normalised(probe);
  std::shared_lock lock(mutex_);
  const auto rows = static_cast<int64_t>(faces_.size());
  std::vector<float> sims(static_cast<size_t>(rows));
  dots(matrix_.data(), rows, dim_, q.data(), sims.data());
  // Best face per person.
  std::unordered_map<int64_t, size_t> best;
  best.reserve(256);
  for (int64_t r = 0; r < rows; ++r) {
    auto [it, fresh] = best.try_emplace(persons_[r], static_cast<size_t>(r));
    if (!fresh && sims[r] > sims[it->second]) it->second = static_cast<size_t>(r);
  }
  std::vector<Match> out;
  out.reserve(best.size());
  for (const auto& [person, r] : best) out.push_back({person, faces_[r], sims[r]});
  const auto keep = std::min<size_t>(out.size(), static_cast<size_t>(std::max<int64_t>(0, k)));
  std::partial_sort(out.begin(), out.begin() + keep, out.end(), [](const Match& a, const Match& b) {
    return a.similarity != b.similarity ? a.similarity > b.similarity : a.person < b.person;
  });
  out.resize(keep);
  return out;
}

}  // namespace facenet::serve
