#include "facenet/serve/face_index.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <mutex>

#include "facenet/core/error.h"

namespace facenet::serve {

namespace {
/// Dot products of `rows` rows of `m` with `q`. Each row is summed in 16 independent lanes
/// (added up at the end), which the compiler turns into vector instructions without reordering
/// any one lane's float additions (a plain reduction would need -ffast-math); the search is
/// then bound by reading the matrix.
void dots(const float* m, int64_t rows, int64_t dim, const float* q, float* out) {
  constexpr int64_t kLanes = 16;
  const int64_t whole = dim / kLanes * kLanes;
  for (int64_t r = 0; r < rows; ++r) {
    const float* a = m + r * dim;
    float acc[kLanes] = {};
    for (int64_t j = 0; j < whole; j += kLanes)
      for (int64_t k = 0; k < kLanes; ++k) acc[k] += a[j + k] * q[j + k];
    float s = 0;
    for (int64_t j = whole; j < dim; ++j) s += a[j] * q[j];
    for (int64_t k = 0; k < kLanes; ++k) s += acc[k];
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
  auto [it, fresh] = slot_of_.try_emplace(person, static_cast<int32_t>(slot_person_.size()));
  if (fresh) slot_person_.push_back(person);
  slots_.push_back(it->second);
}

void FaceIndex::remove_rows(const std::vector<int64_t>& rows) {
  // Swap-with-last removal, highest rows first so earlier indices stay valid.
  for (auto it = rows.rbegin(); it != rows.rend(); ++it) {
    const int64_t r = *it, last = static_cast<int64_t>(faces_.size()) - 1;
    if (r != last) {
      std::copy_n(matrix_.begin() + last * dim_, dim_, matrix_.begin() + r * dim_);
      faces_[r] = faces_[last];
      persons_[r] = persons_[last];
      slots_[r] = slots_[last];
    }
    matrix_.resize(static_cast<size_t>(last * dim_));
    faces_.pop_back();
    persons_.pop_back();
    slots_.pop_back();
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
  // Best face per person (a person without rows left keeps row -1 and is skipped).
  std::vector<int64_t> best(slot_person_.size(), -1);
  for (int64_t r = 0; r < rows; ++r) {
    auto& b = best[static_cast<size_t>(slots_[r])];
    if (b < 0 || sims[r] > sims[b]) b = r;
  }
  std::vector<Match> out;
  for (size_t s = 0; s < best.size(); ++s)
    if (best[s] >= 0) out.push_back({slot_person_[s], faces_[best[s]], sims[best[s]]});
  const auto keep = std::min<size_t>(out.size(), static_cast<size_t>(std::max<int64_t>(0, k)));
  std::partial_sort(out.begin(), out.begin() + keep, out.end(), [](const Match& a, const Match& b) {
    return a.similarity != b.similarity ? a.similarity > b.similarity : a.person < b.person;
  });
  out.resize(keep);
  return out;
}

}  // namespace facenet::serve
