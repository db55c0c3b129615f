#include "facenet/core/cores.h"

#include <algorithm>
#include <thread>

namespace facenet {

int machine_cores() { return static_cast<int>(std::max(1u, std::thread::hardware_concurrency())); }

int resolve_cores(int64_t configured, int processes_per_host) {
  if (configured > 0) return static_cast<int>(configured);
  return std::max(1, machine_cores() / std::max(1, processes_per_host));
}

}  // namespace facenet
