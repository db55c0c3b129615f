#pragma once
// Data-parallel collectives on PyTorch's c10d engine: rendezvous through a TCPStore served by
// rank 0, then ProcessGroupGloo (CPU) or ProcessGroupNCCL (CUDA builds with NCCL). The c10d
// types stay in the .cpp; every failure (a peer that died, a timeout) surfaces as a
// facenet::Error naming the operation, so no rank waits longer than runtime.dist_timeout_s.
#include <torch/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "facenet/core/config.h"
#include "facenet/train/launch_env.h"

namespace facenet::train {

class Distributed {
 public:
  /// Joins the group described by `env` (blocks until all WORLD_SIZE processes arrive, at most
  /// `timeout_s`). `device` is where collective scratch tensors live ("cpu" or "cuda:N").
  /// Throws ConfigError when `backend` is unavailable (nccl without an NCCL build), Error when
  /// the rendezvous fails.
  Distributed(const LaunchEnv& env, DistBackend backend, double timeout_s, const std::string& device);
  ~Distributed();
  Distributed(const Distributed&) = delete;
  Distributed& operator=(const Distributed&) = delete;

  int rank() const { return env_.rank; }
  int world_size() const { return env_.world_size; }
  bool is_main() const { return env_.rank == 0; }
  const std::string& backend_name() const;

  /// Copies rank 0's values into `tensors` on every rank (in place; parameters and buffers).
  void broadcast(const std::vector<torch::Tensor>& tensors);

  /// Replaces each defined gradient of `params` by its mean over the ranks. Gradients are
  /// flattened into buckets of about `bucket_bytes`, one all-reduce per bucket.
  void average_gradients(const std::vector<torch::Tensor>& params, int64_t bucket_bytes = 25 << 20);

  /// Every rank's `local` (same shape everywhere) concatenated along dim 0 in rank order.
  /// This rank's rows are `local` itself, so gradients flow back to them; the others are
  /// constants (their own ranks back-propagate them).
  torch::Tensor all_gather(const torch::Tensor& local);

  /// Element-wise sum / maximum of `values` over the ranks. `max` is how ranks agree on a
  /// decision any of them may have taken (a signal, a time budget, a bad loss).
  std::vector<double> sum(const std::vector<double>& values);
  std::vector<double> max(const std::vector<double>& values);

  /// True when `value` is the same on every rank (e.g. a hash of the parameters).
  bool same_everywhere(uint64_t value);

  /// Rank 0's `value` on every rank (through the store; e.g. the run folder's name).
  std::string share(const std::string& key, const std::string& value);

  void barrier(const std::string& what);

 private:
  struct Impl;
  LaunchEnv env_;
  std::unique_ptr<Impl> impl_;
};

/// A 64-bit hash of the bytes of `tensors` (FNV-1a), to check that ranks hold identical state.
uint64_t hash_tensors(const std::vector<torch::Tensor>& tensors);

}  // namespace facenet::train
