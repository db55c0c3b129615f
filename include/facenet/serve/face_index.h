#pragma once
// The in-memory exact index of one collection: every face's unit-norm embedding in a row-major
// matrix, searched by cosine similarity (a dot product), the best face of each person kept.
// Rebuilt from the database at start; kept in step with it by the server (after each committed
// change). Thread-safe: searches share a lock, changes take it alone. Torch-free.
//
// Exact, in half the reading: each float is stored as its upper and lower 16 bits in two
// matrices. A search scans the upper halves (a truncated bfloat16 copy, split over the cores
// when the index is large), bounds the error that truncation can make, and recomputes in full
// float only the rows of the persons that the bound cannot rule out of the top k. The answer
// equals a full fp32 scan's, similarities and ties included (tested).
#include <cstdint>
#include <shared_mutex>
#include <unordered_map>
#include <vector>

namespace facenet::serve {

struct Match {
  int64_t person = 0;
  int64_t face = 0;         ///< the person's most similar face
  float similarity = 0;     ///< cosine similarity, in [-1, 1]
};

class FaceIndex {
 public:
  /// `threads`: cores one search's scan may use on a large index (0 = all).
  explicit FaceIndex(int64_t dim, int64_t threads = 0) : dim_(dim), threads_(threads) {}

  int64_t dim() const { return dim_; }
  int64_t size() const;

  /// `embedding` has dim() values (normalised here, so any non-zero vector will do).
  void add(int64_t face, int64_t person, const std::vector<float>& embedding);
  void remove_face(int64_t face);
  void remove_person(int64_t person);

  /// The `k` most similar persons, best first (each by its most similar face).
  std::vector<Match> search(const std::vector<float>& probe, int64_t k) const;

 private:
  void remove_rows(const std::vector<int64_t>& rows);  ///< under the unique lock
  void scan(const float* q, float* out) const;         ///< upper-half dot products of every row
  /// The full-float dot product of one row (assembled in `scratch`).
  float exact(int64_t row, const float* q, std::vector<float>& scratch) const;
  int64_t dim_;
  int64_t threads_;
  mutable std::shared_mutex mutex_;
  std::vector<uint16_t> upper_;   ///< rows x dim: each float's upper 16 bits
  std::vector<uint16_t> lower_;   ///< rows x dim: its lower 16 bits
  std::vector<int64_t> faces_;    ///< per row
  std::vector<int64_t> persons_;  ///< per row
  // Persons as dense slots, so that the best face of each is found with an array, not a map.
  std::vector<int32_t> slots_;               ///< per row
  std::vector<int64_t> slot_person_;         ///< per slot
  std::unordered_map<int64_t, int32_t> slot_of_;
};

}  // namespace facenet::serve
