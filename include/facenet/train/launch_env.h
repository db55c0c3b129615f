#pragma once
// Where this process sits in a multi-process launch, read from the variables torchrun,
// `facenet train --nproc` and Slurm wrappers set: RANK, WORLD_SIZE, LOCAL_RANK,
// LOCAL_WORLD_SIZE, MASTER_ADDR, MASTER_PORT. Torch-free, so the CLI and launcher can use it.
#include <functional>
#include <string>

namespace facenet::train {

struct LaunchEnv {
  int rank = 0;
  int world_size = 1;
  int local_rank = 0;
  int local_world_size = 1;
  std::string master_addr = "127.0.0.1";
  int master_port = 29500;
  /// torchrun's agent already serves the TCPStore at MASTER_PORT
  /// (TORCHELASTIC_USE_AGENT_STORE=True): every rank connects to it as a client.
  bool agent_store = false;

  /// More than one process takes part (a torchrun launch with one process is a plain run).
  bool distributed() const { return world_size > 1; }
  bool is_main() const { return rank == 0; }
};

/// The variable names, in the order above.
inline constexpr const char* kLaunchVariables[] = {"RANK",           "WORLD_SIZE", "LOCAL_RANK",
                                                  "LOCAL_WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT"};

/// Parses the launch variables through `get` (returns nullptr for an unset variable).
/// None of RANK/WORLD_SIZE set = a single process. Throws ConfigError naming the variable
/// when one is malformed, out of range or missing while the others are set.
LaunchEnv parse_launch_env(const std::function<const char*(const char*)>& get);

/// parse_launch_env over this process's environment.
LaunchEnv read_launch_env();

}  // namespace facenet::train
