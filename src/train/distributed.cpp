#include "facenet/train/distributed.h"

#include <spdlog/spdlog.h>
#include <torch/torch.h>

// The headers declare ProcessGroupGloo only under USE_C10D_GLOO; Torch's CMake package
// defines it, a build without that package (Debian's LibTorch has Gloo) gets it here.
#ifndef USE_C10D_GLOO
#define USE_C10D_GLOO
#endif
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#ifdef USE_C10D_NCCL
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "facenet/core/error.h"

namespace facenet::train {
namespace {

using Ms = std::chrono::milliseconds;

bool is_loopback(const std::string& addr) {
  return addr.rfind("127.", 0) == 0 || addr == "localhost" || addr == "::1";
}

std::shared_ptr<::gloo::transport::Device> gloo_device(const LaunchEnv& env) {
  // As torch.distributed: GLOO_SOCKET_IFNAME picks the interface; a loopback rendezvous keeps
  // every rank on loopback (the host name need not resolve); otherwise the host's address.
  if (const char* ifname = std::getenv("GLOO_SOCKET_IFNAME"); ifname && *ifname)
    return c10d::ProcessGroupGloo::createDeviceForInterface(ifname);
  if (is_loopback(env.master_addr)) return c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1");
  return c10d::ProcessGroupGloo::createDefaultDevice();
}

DistBackend resolve_backend(DistBackend wanted, const std::string& device) {
  const bool cuda = device.rfind("cuda", 0) == 0;
#ifdef USE_C10D_NCCL
  constexpr bool have_nccl = true;
#else
  constexpr bool have_nccl = false;
#endif
  if (wanted == DistBackend::NCCL) {
    if (!have_nccl)
      throw ConfigError("runtime.dist_backend is nccl but this LibTorch build has no NCCL (ProcessGroupNCCL); "
                        "use gloo or auto");
    if (!cuda) throw ConfigError("runtime.dist_backend: nccl needs a CUDA device (runtime.device is " + device + ")");
    return DistBackend::NCCL;
  }
  if (wanted == DistBackend::Auto && cuda && have_nccl) return DistBackend::NCCL;
  return DistBackend::Gloo;
}

/// Every rank announces itself in the store, then waits until all WORLD_SIZE have, at most
/// `timeout_s`; a rank that never arrives is named in the error instead of hanging the others.
void wait_for_ranks(c10d::Store& store, const LaunchEnv& env, double timeout_s) {
  // torchrun's agent store outlives a restart of the workers: keys are per restart.
  const char* restart = std::getenv("TORCHELASTIC_RESTART_COUNT");
  const std::string prefix = std::string("facenet/") + (restart ? restart : "0") + "/joined";
  store.set(prefix + "/" + std::to_string(env.rank), std::vector<uint8_t>{1});
  store.add(prefix, 1);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
  while (store.add(prefix, 0) < env.world_size) {
    if (std::chrono::steady_clock::now() >= deadline) {
      std::string missing;
      int count = 0;
      for (int r = 0; r < env.world_size; ++r)
        if (!store.check({prefix + "/" + std::to_string(r)})) {
          if (++count <= 16) missing += (missing.empty() ? "" : ", ") + std::to_string(r);
        }
      if (count > 16) missing += ", ...";
      throw Error("rendezvous at " + env.master_addr + ":" + std::to_string(env.master_port) + ": rank(s) " + missing +
                  " of " + std::to_string(env.world_size) + " did not join within runtime.dist_timeout_s = " +
                  fmt::format("{}", timeout_s) + " s (were they started, with the same MASTER_ADDR, MASTER_PORT and " +
                  "WORLD_SIZE?)");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

}  // namespace

struct Distributed::Impl {
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<c10d::ProcessGroup> group;
  std::string backend;
  torch::Device device{torch::kCPU};
  double timeout_s = 0;
  int rank = 0, world = 1;

  /// Runs one collective; any failure becomes a facenet::Error naming it.
  template <class F>
  auto guarded(const std::string& what, F&& f) -> decltype(f()) {
    try {
      return f();
    } catch (const facenet::Error&) {
      throw;
    } catch (const std::exception& e) {
      throw Error("distributed " + what + " failed on rank " + std::to_string(rank) + " of " + std::to_string(world) +
                  ": " + error_message(e) + " (another rank died, hung longer than runtime.dist_timeout_s = " +
                  fmt::format("{}", timeout_s) + " s, or cannot be reached)");
    }
  }

  /// Starts a collective with `start` and waits for it.
  template <class F>
  void run(const std::string& what, F&& start) {
    guarded(what, [&] { start()->wait(); });
  }

  void allreduce(const std::string& what, torch::Tensor& t, c10d::ReduceOp::RedOpType op) {
    std::vector<torch::Tensor> v{t};
    c10d::AllreduceOptions o;
    o.reduceOp = op;
    run(what, [&] { return group->allreduce(v, o); });
  }

  /// `values` reduced with `op` over the ranks (in double precision, on the group's device).
  std::vector<double> allreduce_values(const std::string& what, const std::vector<double>& values,
                                       c10d::ReduceOp::RedOpType op) {
    auto t = torch::tensor(values, torch::dtype(torch::kFloat64)).to(device);
    allreduce(what, t, op);
    auto cpu = t.cpu();
    return std::vector<double>(cpu.data_ptr<double>(), cpu.data_ptr<double>() + cpu.numel());
  }
};

Distributed::Distributed(const LaunchEnv& env, DistBackend backend, double timeout_s, const std::string& device)
    : env_(env), impl_(std::make_unique<Impl>()) {
  auto& m = *impl_;
  m.rank = env.rank;
  m.world = env.world_size;
  m.timeout_s = timeout_s;
  m.device = torch::Device(device);
  const auto kind = resolve_backend(backend, device);
  const auto timeout = Ms(static_cast<int64_t>(timeout_s * 1000));

  spdlog::info("[dist] rank {} of {} joining {}:{} ({} backend, timeout {} s)", env.rank, env.world_size,
               env.master_addr, env.master_port, kind == DistBackend::NCCL ? "nccl" : "gloo", timeout_s);
  m.guarded("rendezvous at " + env.master_addr + ":" + std::to_string(env.master_port), [&] {
    c10d::TCPStoreOptions o;
    o.port = static_cast<uint16_t>(env.master_port);
    o.isServer = env.rank == 0 && !env.agent_store;
    o.numWorkers = env.world_size;
    o.waitWorkers = false;  // our own wait below is bounded and names who is missing
    o.timeout = timeout;
    m.store = c10::make_intrusive<c10d::TCPStore>(env.master_addr, o);
    wait_for_ranks(*m.store, env, timeout_s);
    if (kind == DistBackend::NCCL) {
#ifdef USE_C10D_NCCL
      auto opts = c10d::ProcessGroupNCCL::Options::create();
      opts->timeout = timeout;
      m.group = c10::make_intrusive<c10d::ProcessGroupNCCL>(m.store, env.rank, env.world_size, opts);
      m.backend = "nccl";
#endif
    } else {
      auto opts = c10d::ProcessGroupGloo::Options::create(timeout);
      opts->devices.push_back(gloo_device(env));
      m.group = c10::make_intrusive<c10d::ProcessGroupGloo>(m.store, env.rank, env.world_size, opts);
      m.backend = "gloo";
    }
  });
  barrier("start-up");
  spdlog::info("[dist] {} processes joined", env.world_size);
}

Distributed::~Distributed() = default;

const std::string& Distributed::backend_name() const { return impl_->backend; }

void Distributed::broadcast(const std::vector<torch::Tensor>& tensors) {
  torch::NoGradGuard no_grad;
  for (const auto& t : tensors) {
    // Broadcast works on contiguous buffers; channels-last weights go through a copy.
    std::vector<torch::Tensor> v{t.is_contiguous() ? t : t.contiguous()};
    impl_->run("broadcast", [&] { return impl_->group->broadcast(v); });
    if (!v[0].is_same(t)) t.copy_(v[0]);
  }
}

void Distributed::average_gradients(const std::vector<torch::Tensor>& params, int64_t bucket_bytes) {
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> grads;
  for (const auto& p : params)
    if (p.grad().defined()) grads.push_back(p.grad());
  // Every rank runs the same graph, so all have the same defined gradients in the same order
  // and so the same buckets.
  for (std::size_t begin = 0; begin < grads.size();) {
    std::size_t end = begin;
    std::size_t bytes = 0;
    std::vector<torch::Tensor> flat_parts;
    while (end < grads.size() && grads[end].scalar_type() == grads[begin].scalar_type() &&
           (end == begin || bytes + grads[end].nbytes() <= static_cast<std::size_t>(bucket_bytes))) {
      bytes += grads[end].nbytes();
      flat_parts.push_back(grads[end].reshape(-1));
      ++end;
    }
    auto flat = torch::cat(flat_parts);
    impl_->allreduce("gradient all-reduce", flat, c10d::ReduceOp::SUM);
    flat.div_(world_size());
    int64_t offset = 0;
    for (std::size_t i = begin; i < end; ++i) {
      const auto n = grads[i].numel();
      grads[i].copy_(flat.narrow(0, offset, n).view(grads[i].sizes()));
      offset += n;
    }
    begin = end;
  }
}

torch::Tensor Distributed::all_gather(const torch::Tensor& local) {
  std::vector<std::vector<torch::Tensor>> out(1);
  {
    torch::NoGradGuard no_grad;
    std::vector<torch::Tensor> in{local.detach().contiguous()};
    for (int r = 0; r < world_size(); ++r) out[0].push_back(torch::empty_like(in[0]));
    impl_->run("all-gather", [&] { return impl_->group->allgather(out, in); });
  }
  out[0][rank()] = local;  // this rank's rows keep their autograd graph
  return torch::cat(out[0], 0);
}

std::vector<double> Distributed::sum(const std::vector<double>& values) {
  return impl_->allreduce_values("all-reduce (sum)", values, c10d::ReduceOp::SUM);
}

std::vector<double> Distributed::max(const std::vector<double>& values) {
  return impl_->allreduce_values("agreement (all-reduce max)", values, c10d::ReduceOp::MAX);
}

bool Distributed::same_everywhere(uint64_t value) {
  // max(x) == -max(-x) exactly when every rank holds the same x (62 bits keep -x in range).
  const auto x = static_cast<int64_t>(value >> 2);
  auto t = torch::tensor(std::vector<int64_t>{x, -x}, torch::dtype(torch::kInt64)).to(impl_->device);
  impl_->allreduce("consistency check", t, c10d::ReduceOp::MAX);
  auto cpu = t.cpu();
  return cpu[0].item<int64_t>() == -cpu[1].item<int64_t>();
}

std::string Distributed::share(const std::string& key, const std::string& value) {
  const auto store_key = "facenet/share/" + key;
  return impl_->guarded("sharing '" + key + "'", [&] {
    if (is_main()) {
      impl_->store->set(store_key, std::vector<uint8_t>(value.begin(), value.end()));
      return value;
    }
    const auto bytes = impl_->store->get(store_key);
    return std::string(bytes.begin(), bytes.end());
  });
}

void Distributed::barrier(const std::string& what) { impl_->run("barrier (" + what + ")", [&] { return impl_->group->barrier(); }); }

uint64_t hash_tensors(const std::vector<torch::Tensor>& tensors) {
  uint64_t h = 1469598103934665603ull;
  for (const auto& t : tensors) {
    const auto c = t.detach().cpu().contiguous();
    const auto* bytes = static_cast<const uint8_t*>(c.data_ptr());
    for (std::size_t i = 0; i < c.nbytes(); ++i) h = (h ^ bytes[i]) * 1099511628211ull;
  }
  return h;
}

}  // namespace facenet::train
