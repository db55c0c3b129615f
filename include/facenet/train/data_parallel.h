#pragma once
// What data parallelism adds to a training step, kept out of the loop in trainer.cpp: the batch
// gathered from every process for a global triplet term, the objective each process
// back-propagates so that averaged gradients equal one process's, step figures averaged over the
// processes, the stop decision they take together, and the check that they still hold the same
// weights. Over no process group (one process) every operation is the identity.
#include <torch/types.h>

#include <cstdint>
#include <vector>

#include "facenet/losses/objective.h"
#include "facenet/train/distributed.h"

namespace facenet::train {

/// What every process must decide together, or the others would wait in the next collective
/// until the timeout: a signal or the time budget on any process stops them all.
struct StopVote {
  int signal = 0;            ///< the highest signal any process received (0 = none)
  bool out_of_time = false;  ///< any process reached train.max_minutes
  double minutes = 0;        ///< the slowest process's minutes, so all follow one schedule
};

class DataParallel {
 public:
  /// `dist`: the process group (not owned), or nullptr for a single process.
  explicit DataParallel(Distributed* dist = nullptr) : dist_(dist) {}

  int world() const { return dist_ ? dist_->world_size() : 1; }

  /// The loss of this process's share of the batch. With `gather` (train.gather_embeddings) the
  /// triplet term is computed on the batch gathered from every process (this process's rows
  /// keep their graph) while the head's term stays local.
  losses::LossOutput loss(losses::Objective& objective, const torch::Tensor& prelogits, const torch::Tensor& embeddings,
                          const torch::Tensor& labels, bool gather) const;

  /// What this process back-propagates. Averaging gradients over W processes divides each
  /// contribution by W; a gathered triplet term is the whole batch's on every process but only
  /// reaches this process's rows, so it is scaled by W to give the single-process gradient.
  torch::Tensor objective(const losses::LossOutput& loss, double triplet_weight, bool gathered) const;

  /// Step figures over the processes: element 0 (a "this process met a bad value" flag) summed,
  /// the others averaged. One all-reduce, so every process learns of a bad value before backward.
  std::vector<double> step_figures(std::vector<double> figures) const;

  /// This process's vote combined with every other's (element-wise maximum).
  StopVote agree(const StopVote& local) const;

  /// Throws facenet::Error when the processes no longer hold bit-identical `state` (they must,
  /// step after step); logs the hash when they do.
  void check_identical(const std::vector<torch::Tensor>& state, int64_t step) const;

 private:
  Distributed* dist_;
};

}  // namespace facenet::train
