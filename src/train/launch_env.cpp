#include "facenet/train/launch_env.h"

#include <algorithm>
#include <cstdlib>
#include <string>

#include "facenet/core/error.h"

namespace facenet::train {
namespace {

int parse_int(const char* name, const char* text, int min, int max) {
  const std::string s = text;
  std::size_t used = 0;
  long value = 0;
  try {
    value = std::stol(s, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (s.empty() || used != s.size())
    throw ConfigError(std::string("environment variable ") + name + "='" + s + "' is not an integer");
  if (value < min || value > max)
    throw ConfigError(std::string("environment variable ") + name + "=" + s + " must be in [" + std::to_string(min) +
                      ", " + std::to_string(max) + "]");
  return static_cast<int>(value);
}

bool is_loopback(const std::string& addr) {
  return addr.rfind("127.", 0) == 0 || addr == "localhost" || addr == "::1";
}

}  // namespace

LaunchEnv parse_launch_env(const std::function<const char*(const char*)>& get) {
  LaunchEnv env;
  const char* rank = get("RANK");
  const char* world = get("WORLD_SIZE");
  if (!rank && !world) return env;
  if (!rank || !world)
    throw ConfigError(std::string("environment variable ") + (rank ? "WORLD_SIZE" : "RANK") +
                      " is not set but " + (rank ? "RANK" : "WORLD_SIZE") +
                      " is: a distributed launch needs both (torchrun sets them)");
  env.world_size = parse_int("WORLD_SIZE", world, 1, 1 << 20);
  env.rank = parse_int("RANK", rank, 0, env.world_size - 1);
  if (!env.distributed()) return env;

  const char* addr = get("MASTER_ADDR");
  if (!addr || !*addr)
    throw ConfigError("environment variable MASTER_ADDR is not set: WORLD_SIZE=" + std::string(world) +
                      " needs the address of rank 0 (e.g. MASTER_ADDR=127.0.0.1)");
  env.master_addr = addr;
  const char* port = get("MASTER_PORT");
  if (!port) throw ConfigError("environment variable MASTER_PORT is not set: WORLD_SIZE=" + std::string(world) +
                               " needs rank 0's rendezvous port (e.g. MASTER_PORT=29500)");
  env.master_port = parse_int("MASTER_PORT", port, 1, 65535);

  // LOCAL_* only size threads and pick a GPU, and PyTorch's env:// does not need them. When
  // they are missing: a loopback rendezvous means every rank is on this machine (local rank =
  // rank); otherwise one process per machine. A LOCAL_RANK beyond a derived LOCAL_WORLD_SIZE
  // widens it rather than refusing a valid launch.
  const bool all_local = is_loopback(env.master_addr);
  const char* local_world = get("LOCAL_WORLD_SIZE");
  const char* local_rank = get("LOCAL_RANK");
  env.local_world_size = local_world ? parse_int("LOCAL_WORLD_SIZE", local_world, 1, env.world_size)
                                     : (all_local ? env.world_size : 1);
  if (local_rank) {
    env.local_rank = parse_int("LOCAL_RANK", local_rank, 0, (local_world ? env.local_world_size : env.world_size) - 1);
    if (!local_world) env.local_world_size = std::max(env.local_world_size, env.local_rank + 1);
  } else {
    env.local_rank = all_local && env.local_world_size == env.world_size ? env.rank : 0;
  }
  const char* agent = get("TORCHELASTIC_USE_AGENT_STORE");
  env.agent_store = agent && std::string(agent) == "True";
  return env;
}

LaunchEnv read_launch_env() {
  return parse_launch_env([](const char* name) { return std::getenv(name); });
}

}  // namespace facenet::train
