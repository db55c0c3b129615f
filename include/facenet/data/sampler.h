#pragma once
// Batch samplers: which sample indices make up each batch. The state (RNG + counters) is
// serialisable, so a resumed run continues the exact same sequence.
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "facenet/core/config.h"
#include "facenet/data/dataset.h"

namespace facenet::data {

enum class SamplingMode {
  Triplet,     ///< original recipe: [anchors | positives | negatives], batch_size / 3 triplets
  PK,          ///< P identities x K images each, identity-major
  Sequential,  ///< dataset order, wrapping into the next epoch
  Shuffled,    ///< a fresh seeded permutation per epoch, wrapping into the next epoch
};

class BatchSampler {
 public:
  /// `images_per_identity` is K for PK (P = batch_size / K; batch_size must be a multiple
  /// of K); Triplet needs batch_size % 3 == 0. Throws facenet::Error when the dataset
  /// cannot produce such batches (e.g. no identity with >= 2 images for triplets).
  BatchSampler(const Dataset& dataset, SamplingMode mode, int64_t batch_size, uint64_t seed,
               int64_t images_per_identity = 4);

  /// data.sampler with train.batch_size; `classifier_only` (softmax-type loss without a
  /// triplet term) gives Shuffled epochs instead.
  static BatchSampler from_config(const Dataset& dataset, const DataConfig& config, int64_t batch_size,
                                  uint64_t seed, bool classifier_only = false);

  /// Sample indices of the next batch (always batch_size of them).
  /// Triplet: for each triplet a random identity with >= 2 images, 2 distinct images of it,
  /// and 1 image of another random identity. PK: P distinct identities (with >= 2 images when
  /// enough exist), K images each, drawn without replacement when the identity has >= K.
  std::vector<int64_t> next();

  /// Serialised RNG and counters; `restore` on a sampler built over the same dataset with
  /// the same settings continues the same sequence. restore throws facenet::Error on a
  /// mismatch (other mode, batch size or dataset size). With `any_batch_size` a state saved
  /// at another batch size is accepted: the same stream continues in batches of this size
  /// (a run resumed with another number of processes).
  std::string state() const;
  void restore(const std::string& state, bool any_batch_size = false);

  SamplingMode mode() const { return mode_; }
  int64_t batch_size() const { return batch_size_; }
  int64_t images_per_identity() const { return k_; }
  int64_t batches_drawn() const { return drawn_; }
  /// Epoch of the next sample (Sequential/Shuffled): samples drawn / dataset size.
  int64_t epoch() const { return cursor_ / static_cast<int64_t>(labels_.size()); }

 private:
  std::vector<int64_t> next_triplets();
  std::vector<int64_t> next_pk();
  std::vector<int64_t> next_epochwise();
  int64_t uniform(int64_t n);  ///< in [0, n)

  SamplingMode mode_;
  int64_t batch_size_;
  int64_t k_;
  uint64_t seed_;
  std::vector<int64_t> labels_;                   ///< label of each sample
  std::vector<std::vector<int64_t>> members_;     ///< sample indices per label
  std::vector<int64_t> pair_ids_;                 ///< labels with >= 2 images
  std::vector<int64_t> nonempty_ids_;             ///< labels with >= 1 image
  std::mt19937_64 rng_;
  int64_t drawn_ = 0;   ///< batches returned
  int64_t cursor_ = 0;  ///< samples returned (Sequential/Shuffled)
  std::vector<int64_t> permutation_;  ///< current epoch's order (Shuffled), rebuilt from seed + epoch
  int64_t permutation_epoch_ = -1;
};

/// The positions of a global batch (drawn in `mode`, `global_batch` samples, K = `k` for PK)
/// that rank `rank` of `world` trains on, keeping the batch layout on every rank: PK gives the
/// rank-th contiguous block of identities, Triplet the rank-th slice of each third (so each
/// rank has anchors | positives | negatives), the epoch-wise modes the rank-th contiguous block.
/// Throws facenet::Error when the batch does not split evenly.
std::vector<int64_t> shard_positions(SamplingMode mode, int64_t global_batch, int64_t k, int rank, int world);

}  // namespace facenet::data
