#include "facenet/train/run_context.h"

#include <spdlog/spdlog.h>
#include <torch/cuda.h>

#include <chrono>
#include <iomanip>
#include <sstream>

#include "facenet/core/config_yaml.h"
#include "facenet/core/cores.h"
#include "facenet/core/fs.h"
#include "facenet/core/logging.h"

namespace facenet::train {
namespace fs = std::filesystem;
namespace {

std::string timestamp() {
  const auto now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  localtime_r(&now, &tm);
  std::ostringstream os;
  os << std::put_time(&tm, "%Y%m%d-%H%M%S");
  return os.str();
}

}  // namespace

std::shared_ptr<RunContext> RunContext::create(const Config& config, const std::string& run_dir,
                                               OnRunFolder on_run_folder) {
  auto ctx = std::make_shared<RunContext>();
  ctx->on_run_folder_ = std::move(on_run_folder);
  ctx->launch = read_launch_env();
  const auto& launch = ctx->launch;
  // With several processes per machine, "all cores" means this process's share of them.
  const int per_host = launch.distributed() ? launch.local_world_size : 1;
  auto runtime = config.runtime;
  runtime.threads = resolve_cores(runtime.threads, per_host);
  ctx->data_workers = resolve_cores(config.data.workers, per_host);
  if (launch.distributed() && runtime.device == "auto" && torch::cuda::is_available())
    runtime.device = "cuda:" + std::to_string(launch.local_rank);  // one GPU per local process
  if (launch.distributed() && !launch.is_main()) quiet_worker_log(launch.rank);
  ctx->runtime = apply_runtime(runtime);
  ctx->device = torch::Device(ctx->runtime.device);
  if (launch.distributed())
    ctx->dist = std::make_unique<Distributed>(launch, config.runtime.dist_backend, config.runtime.dist_timeout_s,
                                              ctx->runtime.device);

  // Rank 0 alone owns the run folder; the others learn its name.
  ctx->resuming = !run_dir.empty();
  if (!run_dir.empty())
    ctx->run_dir = run_dir;
  else if (!config.train.output_dir.empty())
    ctx->run_dir = config.train.output_dir;
  else
    ctx->run_dir = fs::path("runs") / (config.train.name + "-" + timestamp());
  if (ctx->dist) ctx->run_dir = ctx->dist->share("run_dir", ctx->run_dir.string());
  spdlog::info("[train] {} threads, device {}", ctx->runtime.threads, ctx->runtime.device);
  if (ctx->dist)
    spdlog::info("[dist] {} processes ({}), {} images per process, global batch {}", ctx->world(),
                 ctx->dist->backend_name(), config.train.batch_size, config.train.batch_size * ctx->world());
  return ctx;
}

void RunContext::open_run_folder(const Config& config) {
  if (folder_open_) return;
  folder_open_ = true;
  if (is_main()) {
    // A run killed while writing (SIGKILL, power loss) leaves NAME.tmp-PID files behind.
    if (const int stale = remove_stale_temporaries(run_dir.string()); stale > 0)
      spdlog::info("[train] removed {} temporary file(s) left by a killed run", stale);
    fs::create_directories(run_dir / "checkpoints");
    write_file_atomic((run_dir / "config.yaml").string(), to_yaml(config));
    if (on_run_folder_) on_run_folder_(run_dir);
  }
  spdlog::info("[train] run folder {}", run_dir.string());
}

}  // namespace facenet::train
