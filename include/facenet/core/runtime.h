#pragma once
// Process-wide runtime settings (threads, seed, device) and facts about the machine.
#include <string>
#include <vector>

#include "facenet/core/config.h"

namespace facenet {

/// What `apply_runtime` settled on.
struct RuntimeInfo {
  int threads = 1;
  std::string device = "cpu";  ///< resolved: "cpu" or "cuda:N"
};

/// Sets LibTorch's intra-op threads (Debian's build starts with 1; 0 = all cores),
/// seeds LibTorch's generators and resolves `auto`/`cuda` to a concrete device.
/// Throws ConfigError when CUDA is asked for but unavailable. Also tells glibc to keep freed
/// memory mapped (no per-step mmap/munmap of activations; several times faster here).
RuntimeInfo apply_runtime(const RuntimeConfig& config);

/// LibTorch's intra-op threads set to `threads` for a scope, restored after. Work that runs whole
/// images in parallel, each on its own thread (MTCNN in `facenet align` and `eval --detect`),
/// sets 1: many small operations each spread over the intra-op pool ran several times slower.
class IntraOpThreads {
 public:
  explicit IntraOpThreads(int threads);
  ~IntraOpThreads();
  IntraOpThreads(const IntraOpThreads&) = delete;
  IntraOpThreads& operator=(const IntraOpThreads&) = delete;

 private:
  int before_;
};

/// Library versions, threads, CPU features, BLAS, CUDA and distributed backends,
/// as `key: value` lines (what `facenet info` prints).
std::vector<std::pair<std::string, std::string>> system_info();

/// The BLAS shared library this process has mapped (e.g. "openblas-openmp"), or "none loaded".
std::string loaded_blas();

}  // namespace facenet
