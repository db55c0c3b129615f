#include "facenet/serve/face_index.h"

#include <algorithm>
#include <cstring>
#include <functional>
#include <cmath>
#include <limits>
#include <mutex>

#include "facenet/core/error.h"
#include "facenet/core/parallel.h"
#include "half_scan.h"

namespace facenet::serve {

namespace {
/// The dot product of one row with `q`, summed in 16 independent lanes (added up at the end):
/// the compiler vectorises it without reordering any one lane's float additions, which a plain
/// reduction would need -ffast-math for. Its value is the index's similarity.
float lane_dot(const float* a, const float* q, int64_t dim) {
  constexpr int64_t kLanes = 16;
  const int64_t whole = dim / kLanes * kLanes;
  float acc[kLanes] = {};
  for (int64_t j = 0; j < whole; j += kLanes)
    for (int64_t k = 0; k < kLanes; ++k) acc[k] += a[j + k] * q[j + k];
  float s = 0;
  for (int64_t j = whole; j < dim; ++j) s += a[j] * q[j];
  for (int64_t k = 0; k < kLanes; ++k) s += acc[k];
  return s;
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

/// The rows whose entry in `column` is `value`, in order.
std::vector<int64_t> rows_where(const std::vector<int64_t>& column, int64_t value) {
  std::vector<int64_t> rows;
  for (size_t r = 0; r < column.size(); ++r)
    if (column[r] == value) rows.push_back(static_cast<int64_t>(r));
  return rows;
}

// Below this many stored values a second thread costs more than it saves.
constexpr int64_t kParallelValues = int64_t{1} << 22;
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
  for (float x : unit) {
    uint32_t bits;
    std::memcpy(&bits, &x, sizeof bits);
    upper_.push_back(static_cast<uint16_t>(bits >> 16));
    lower_.push_back(static_cast<uint16_t>(bits & 0xffffu));
  }
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
      std::copy_n(upper_.begin() + last * dim_, dim_, upper_.begin() + r * dim_);
      std::copy_n(lower_.begin() + last * dim_, dim_, lower_.begin() + r * dim_);
      faces_[r] = faces_[last];
      persons_[r] = persons_[last];
      slots_[r] = slots_[last];
    }
    upper_.resize(static_cast<size_t>(last * dim_));
    lower_.resize(static_cast<size_t>(last * dim_));
    faces_.pop_back();
    persons_.pop_back();
    slots_.pop_back();
  }
}

void FaceIndex::remove_face(int64_t face) {
  std::unique_lock lock(mutex_);
  remove_rows(rows_where(faces_, face));
}

void FaceIndex::remove_person(int64_t person) {
  std::unique_lock lock(mutex_);
  remove_rows(rows_where(persons_, person));
}

void FaceIndex::scan(const float* q, float* out) const {
  const auto rows = static_cast<int64_t>(faces_.size());
  const int64_t parts = rows * dim_ >= kParallelValues ? resolve_cores(threads_) : 1;
  const int64_t per = (rows + parts - 1) / parts;
  parallel_for(parts, parts, [&](int64_t p) {
    const int64_t begin = p * per, end = std::min(rows, begin + per);
    if (begin < end) half_dots(upper_.data() + begin * dim_, end - begin, dim_, q, out + begin);
  });
}

float FaceIndex::exact(int64_t row, const float* q, std::vector<float>& a) const {
  a.resize(static_cast<size_t>(dim_));
  const uint16_t* hi = upper_.data() + row * dim_;
  const uint16_t* lo = lower_.data() + row * dim_;
  for (int64_t j = 0; j < dim_; ++j) {
    const uint32_t bits = (static_cast<uint32_t>(hi[j]) << 16) | lo[j];
    std::memcpy(&a[static_cast<size_t>(j)], &bits, sizeof bits);
  }
  return lane_dot(a.data(), q, dim_);
}

std::vector<Match> FaceIndex::search(const std::vector<float>& probe, int64_t k) const {
  if (static_cast<int64_t>(probe.size()) != dim_)
    throw Error("face index: a probe of " + std::to_string(probe.size()) + " values, expected " +
                std::to_string(dim_));
  const auto q = normalised(probe);
  const auto keep = static_cast<size_t>(std::max<int64_t>(0, k));
  if (keep == 0) return {};
  std::shared_lock lock(mutex_);
  const auto rows = static_cast<int64_t>(faces_.size());
  const auto slots = slot_person_.size();
  // 1. Approximate similarities from the upper halves; each is within `e` of the exact one.
  std::vector<float> approx(static_cast<size_t>(rows));
  scan(q.data(), approx.data());
  const double e = half_scan_error(dim_);
  constexpr double kNone = -std::numeric_limits<double>::infinity();
  std::vector<double> top(slots, kNone);  // per person: the best approximate similarity
  for (int64_t r = 0; r < rows; ++r) {
    auto& t = top[static_cast<size_t>(slots_[r])];
    t = std::max<double>(t, approx[r]);
  }
  // 2. Each person's exact best lies in [top - e, top + e]. The k-th largest lower end is a
  // similarity that k persons surely reach: a person whose upper end is below it is out.
  std::vector<double> lows;
  for (double t : top)
    if (t > kNone) lows.push_back(t - e);
  double floor = kNone;
  if (keep > 0 && lows.size() > keep) {
    std::nth_element(lows.begin(), lows.begin() + (keep - 1), lows.end(), std::greater<>());
    floor = lows[keep - 1];
  }
  // 3. The persons left: their rows that may hold their best (not below top - e) in full float.
  std::vector<int64_t> best(slots, -1);
  std::vector<float> sims(slots, 0);
  std::vector<float> row;  // one row in full float, reused
  for (int64_t r = 0; r < rows; ++r) {
    const auto s = static_cast<size_t>(slots_[r]);
    if (top[s] == kNone || top[s] + e < floor || approx[r] + e < top[s] - e) continue;
    const float sim = exact(r, q.data(), row);
    if (best[s] < 0 || sim > sims[s]) {  // ties keep the earliest row, as a full scan does
      best[s] = r;
      sims[s] = sim;
    }
  }
  std::vector<Match> out;
  for (size_t s = 0; s < slots; ++s)
    if (best[s] >= 0) out.push_back({slot_person_[s], faces_[best[s]], sims[s]});
  const auto n = std::min(out.size(), keep);
  std::partial_sort(out.begin(), out.begin() + n, out.end(), [](const Match& a, const Match& b) {
    return a.similarity != b.similarity ? a.similarity > b.similarity : a.person < b.person;
  });
  out.resize(n);
  return out;
}

}  // namespace facenet::serve
