#include "facenet/core/runtime.h"

#include <ATen/Parallel.h>
#include <malloc.h>
#include <torch/cuda.h>
#include <torch/torch.h>
#include <torch/version.h>

#include <fstream>
#include <limits>
#include <opencv2/core/version.hpp>
#include <set>
#include <sstream>
#include <thread>

#include "facenet/core/cores.h"
#include "facenet/core/error.h"
#include "facenet/core/int8_cpu.h"
#include "facenet/core/precision.h"

namespace facenet {

namespace {

void keep_freed_memory_mapped() {
  // LibTorch frees and re-allocates every activation on every step. Above glibc's mmap
  // threshold each one is a fresh mmap whose pages fault in zero-filled again: at 160 px
  // that made MobileNet inference 12x and training 6x slower here. Serving large blocks from
  // the heap and never trimming it keeps those pages mapped for the next step; the cost is
  // that peak memory is not returned to the system until exit.
  mallopt(M_MMAP_MAX, 0);
  mallopt(M_TRIM_THRESHOLD, std::numeric_limits<int>::max());
}

}  // namespace

IntraOpThreads::IntraOpThreads(int threads) : before_(at::get_num_threads()) { at::set_num_threads(threads); }
IntraOpThreads::~IntraOpThreads() { at::set_num_threads(before_); }

RuntimeInfo apply_runtime(const RuntimeConfig& config) {
  keep_freed_memory_mapped();
  RuntimeInfo info;
  info.threads = resolve_cores(config.threads);
  at::set_num_threads(info.threads);
  torch::manual_seed(static_cast<uint64_t>(config.seed));

  const bool cuda = torch::cuda::is_available();
  if (config.device == "auto") {
    info.device = cuda ? "cuda:0" : "cpu";
  } else if (config.device == "cpu") {
    info.device = "cpu";
  } else {
    if (!cuda)
      throw ConfigError("runtime.device is '" + config.device +
                        "' but this LibTorch build has no usable CUDA device (use cpu or auto)");
    info.device = config.device == "cuda" ? "cuda:0" : config.device;
    const int index = std::stoi(info.device.substr(5));
    if (index >= static_cast<int>(torch::cuda::device_count()))
      throw ConfigError("runtime.device '" + config.device + "': only " +
                        std::to_string(torch::cuda::device_count()) + " CUDA device(s)");
  }
  if (cuda) torch::cuda::manual_seed_all(static_cast<uint64_t>(config.seed));
  return info;
}

std::string loaded_blas() {
  std::ifstream maps("/proc/self/maps");
  std::set<std::string> found;
  for (std::string line; std::getline(maps, line);) {
    auto slash = line.find('/');
    if (slash == std::string::npos) continue;
    std::string path = line.substr(slash);
    if (path.find("blas") == std::string::npos && path.find("mkl_") == std::string::npos) continue;
    found.insert(path);
  }
  if (found.empty()) return "none loaded";
  std::string out;
  for (const auto& p : found) {
    // /usr/lib/x86_64-linux-gnu/openblas-openmp/libblas.so.3 -> openblas-openmp/libblas.so.3
    auto cut = p.rfind('/', p.rfind('/') - 1);
    out += (out.empty() ? "" : ", ") + p.substr(cut + 1);
  }
  return out;
}

namespace {
// LibTorch's quantized engines, lower case ("onednn, qnnpack"): oneDNN's is the one int8 models use.
std::string quantized_engines() {
  std::string out;
  for (auto e : at::globalContext().supportedQEngines()) {
    if (e == at::QEngine::NoQEngine) continue;
    auto name = c10::toString(e);
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out += (out.empty() ? "" : ", ") + name;
  }
  return out.empty() ? "none" : out;
}

std::string cpu_model_and_features() {
  std::ifstream in("/proc/cpuinfo");
  std::string model, flags;
  for (std::string line; std::getline(in, line);) {
    if (model.empty() && line.rfind("model name", 0) == 0) model = line.substr(line.find(':') + 2);
    if (flags.empty() && line.rfind("flags", 0) == 0) flags = " " + line.substr(line.find(':') + 1) + " ";
  }
  std::string features;
  for (const char* f : {"sse4_2", "avx", "avx2", "fma", "avx512f", "avx512_bf16", "amx_tile", "neon"})
    if (flags.find(std::string(" ") + f + " ") != std::string::npos) features += std::string(f) + " ";
  return model + " [" + (features.empty() ? "" : features.substr(0, features.size() - 1)) + "]";
}
}  // namespace

std::vector<std::pair<std::string, std::string>> system_info() {
  std::vector<std::pair<std::string, std::string>> rows;
  rows.emplace_back("facenet-cpp", FACENET_VERSION);
  rows.emplace_back("LibTorch", TORCH_VERSION);
  rows.emplace_back("OpenCV", CV_VERSION);
  rows.emplace_back("CPU", cpu_model_and_features());
  rows.emplace_back("cores", std::to_string(machine_cores()));
  const auto caps = device_caps(c10::DeviceType::CPU);
  rows.emplace_back("auto precision", std::string(caps.cpu.bf16_outruns_fp32() ? "bf16" : "fp32") + " (" +
                                          bf16_speed_note(caps) + ")");
  // int8 runs only from a file facenet quantize wrote; inference_dtype auto never picks it.
  rows.emplace_back("int8", "instructions: " + describe(int8_instructions()) + "; quantized engines: " + quantized_engines() +
                                "; runs from an int8 model file (facenet quantize), never chosen by auto");
  rows.emplace_back("intra-op threads", std::to_string(at::get_num_threads()));
  rows.emplace_back("oneDNN (mkldnn)", at::hasMKLDNN() ? "yes" : "no");
  rows.emplace_back("BLAS loaded", loaded_blas());
  const bool cuda = torch::cuda::is_available();
  rows.emplace_back("CUDA", cuda ? "yes (" + std::to_string(torch::cuda::device_count()) + " device(s))"
                                 : "no (CPU-only LibTorch build or no GPU)");
  std::string dist = "gloo (c10d ProcessGroupGloo)";
  if (cuda) dist += ", nccl (ProcessGroupNCCL, when built with NCCL)";
  rows.emplace_back("distributed", dist);
  return rows;
}

}  // namespace facenet
