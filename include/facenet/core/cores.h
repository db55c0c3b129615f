#pragma once
// The one "how many cores" rule behind every `threads`/`workers` setting: a positive setting is
// taken as it is; 0 means all of this machine's cores, shared evenly between the processes of a
// multi-process launch on the same host (torchrun's LOCAL_WORLD_SIZE, `train --nproc`).
#include <cstdint>

namespace facenet {

/// The cores this machine reports (at least 1).
int machine_cores();

/// `configured` when > 0, else machine_cores() / processes_per_host (at least 1).
int resolve_cores(int64_t configured, int processes_per_host = 1);

}  // namespace facenet
