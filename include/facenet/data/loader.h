#pragma once
// Threaded batch loading: worker threads decode, preprocess and augment samples straight
// into each batch's NCHW tensor; a bounded queue of `data.prefetch` batches runs ahead.
//
// Determinism: batch k's sample indices come from the sampler in order, and each sample's
// augmentation is seeded by (seed, k, position), so the batches are bit-identical whatever
// the thread timing, and a run resumed from (sampler_state(), next_index()) continues exactly.
//
// A corrupt, truncated or unreadable image (or, for a pack, an unreadable record or undecodable
// record bytes) is logged once (its name in the source: a path or "<train.rec>#<record>", and
// the reason), counted, and replaced by the next readable image of the same identity (so batch
// shape and the triplet layout stay intact); if none of that identity's images is readable the
// slot is filled with zeros (mid-grey after normalisation). It never stops the run.
#include <torch/types.h>

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "facenet/core/config.h"
#include "facenet/data/dataset.h"
#include "facenet/data/sampler.h"

namespace facenet::data {

struct Batch {
  torch::Tensor images;  ///< (N, 3, S, S) float32, contiguous
  torch::Tensor labels;  ///< (N) int64
  int64_t index = 0;     ///< batch number since the start of the run
  std::vector<int64_t> samples;  ///< dataset sample indices (before corrupt-file replacement)
  std::vector<int64_t> positions;  ///< each sample's position in the global batch
};

/// This process's share of every batch in data-parallel training (see shard_positions):
/// the sampler draws the global batch, each rank loads its own positions, and augmentation is
/// seeded by the position in the global batch, so W processes see exactly the samples and
/// augmentations one process with the global batch would.
struct Shard {
  int rank = 0;
  int world = 1;
};

class BatchLoader {
 public:
  /// `sampler` should already be restored when resuming; `first_index` is the number of the
  /// first batch it will produce (the saved next_index()). `augment` false = no augmentation
  /// (validation). Workers: config.workers (0 = all cores). The sampler's batch size is the
  /// global batch; each batch here has global / shard.world samples.
  BatchLoader(const Dataset& dataset, BatchSampler sampler, const DataConfig& config, uint64_t seed,
              int64_t first_index = 0, bool augment = true, Shard shard = {});
  ~BatchLoader();
  BatchLoader(const BatchLoader&) = delete;
  BatchLoader& operator=(const BatchLoader&) = delete;

  /// The next batch, in order (blocks until it is ready).
  Batch next();

  /// Index of the batch next() returns next, and the sampler state that produces it:
  /// save both, then restore a BatchSampler and pass first_index to resume.
  int64_t next_index() const;
  std::string sampler_state() const;

  /// Distinct unreadable files met so far, and how many slots were substituted.
  int64_t corrupt_files() const;
  int64_t substitutions() const;
  int workers() const { return static_cast<int>(threads_.size()); }

 private:
  struct Slot;
  struct Task {
    std::shared_ptr<Slot> slot;
    int64_t begin, end;
  };
  void schedule();  ///< draws one batch from the sampler and queues its work (lock held)
  torch::Tensor image_buffer(int64_t batch);  ///< a recycled or new (batch, 3, S, S) tensor (lock held)
  void work();
  void load_sample(Slot& slot, int64_t position);
  bool try_read(int64_t sample, void* bgr);

  const Dataset& dataset_;
  std::vector<std::vector<int64_t>> members_;
  BatchSampler sampler_;
  DataConfig config_;
  uint64_t seed_;
  bool augment_;
  std::vector<int64_t> positions_;  ///< this shard's positions in each global batch
  int64_t next_to_schedule_;

  mutable std::mutex mutex_;
  std::condition_variable work_cv_, done_cv_;
  std::deque<std::shared_ptr<Slot>> slots_;
  std::deque<Task> tasks_;
  bool stop_ = false;
  std::vector<torch::Tensor> pool_;  ///< batch buffers to recycle
  std::set<std::string> bad_files_;  ///< sample names: paths, or "<train.rec>#<record>" for pack samples
  int64_t substitutions_ = 0;
  std::vector<std::thread> threads_;
};

}  // namespace facenet::data
