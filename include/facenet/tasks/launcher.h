#pragma once
// `facenet train --nproc N`: a local stand-in for torchrun. Torch-free (the CLI links it).
#include <string>
#include <vector>

namespace facenet::tasks {

/// This process's arguments (from /proc/self/cmdline) without `--nproc N` / `--nproc=N`:
/// what each worker is started with.
std::vector<std::string> worker_arguments();

/// Starts `nproc` copies of this program (/proc/self/exe with worker_arguments()) as ranks
/// 0..nproc-1 of one distributed run: RANK, WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE,
/// MASTER_ADDR=127.0.0.1 and a free MASTER_PORT in their environment. SIGINT/SIGTERM are
/// passed on to the workers. When one worker fails, the others get SIGTERM, then SIGKILL
/// after `grace_s`. Returns 0 when every worker succeeded, else the first failure's exit
/// code (128 + signal for a worker killed by a signal). Throws ConfigError when this process
/// already runs under a distributed launch (RANK is set), Error when a worker cannot start.
int run_local_workers(int nproc, double grace_s = 30.0);

}  // namespace facenet::tasks
