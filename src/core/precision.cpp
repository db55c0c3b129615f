#include "facenet/core/precision.h"

#include <ATen/autocast_mode.h>
#include <ATen/detail/CUDAHooksInterface.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

#include <fmt/format.h>

#include "facenet/core/cpu_rates.h"
#include "facenet/core/error.h"

namespace facenet {

std::string to_string(Precision p) {
  switch (p) {
    case Precision::FP32: return "fp32";
    case Precision::BF16: return "bf16";
    case Precision::FP16: return "fp16";
  }
  return "?";
}

CpuFeatures cpu_features() {
  CpuFeatures f;
#if defined(__x86_64__) || defined(__i386__)
  // __builtin_cpu_supports also checks that the OS saves the AVX-512 registers (XGETBV).
  f.avx512f = __builtin_cpu_supports("avx512f");
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) {
    f.amx_bf16 = (edx >> 22) & 1;  // CPUID.(7,0):EDX[22] AMX-BF16
    const unsigned max_subleaf = eax;
    if (max_subleaf >= 1 && __get_cpuid_count(7, 1, &eax, &ebx, &ecx, &edx))
      f.avx512_bf16 = (eax >> 5) & 1;  // CPUID.(7,1):EAX[5] AVX512_BF16
  }
#endif
  return f;
}

DeviceCaps device_caps(c10::DeviceType device_type) {
  DeviceCaps caps;
  caps.device_type = device_type;
  caps.cpu = cpu_features();
  if (device_type == c10::DeviceType::CPU && caps.cpu.native_bf16() && !caps.cpu.amx_bf16)
    caps.cpu.bf16_dot_speedup = measure_bf16_dot_speedup();
  if (device_type == c10::DeviceType::CUDA)
    caps.cuda_bf16 = at::detail::getCUDAHooks().supportsBFloat16ConvolutionWithCuDNNv8();
  return caps;
}

namespace {

bool native_bf16(const DeviceCaps& caps) {
  return caps.device_type == c10::DeviceType::CUDA ? caps.cuda_bf16 : caps.cpu.native_bf16();
}

bool bf16_outruns_fp32(const DeviceCaps& caps) {
  return caps.device_type == c10::DeviceType::CUDA ? caps.cuda_bf16 : caps.cpu.bf16_outruns_fp32();
}

std::string bf16_missing(const DeviceCaps& caps) {
  return caps.device_type == c10::DeviceType::CUDA
             ? "this GPU has no native bf16 (compute capability 8.0+ needed)"
             : "this CPU has no native bf16 (AVX512-BF16 or AMX-BF16 needed; it would be emulated, slower than fp32)";
}

}  // namespace

Precision resolve_training_precision(Amp amp, const DeviceCaps& caps) {
  switch (amp) {
    case Amp::None: return Precision::FP32;
    case Amp::Auto: return bf16_outruns_fp32(caps) ? Precision::BF16 : Precision::FP32;
    case Amp::BF16:
      if (!native_bf16(caps)) throw ConfigError("train.amp: bf16 asked for, but " + bf16_missing(caps) + "; use none or auto");
      return Precision::BF16;
    case Amp::FP16:
      if (caps.device_type != c10::DeviceType::CUDA)
        throw ConfigError("train.amp: fp16 needs a CUDA device (LibTorch's CPU autocast is bf16 only); use bf16, auto or none");
      return Precision::FP16;
  }
  throw ConfigError("train.amp: unknown value");
}

Precision resolve_inference_precision(InferenceDtype dtype, const DeviceCaps& caps) {
  switch (dtype) {
    case InferenceDtype::FP32: return Precision::FP32;
    case InferenceDtype::Auto: return bf16_outruns_fp32(caps) ? Precision::BF16 : Precision::FP32;
    case InferenceDtype::BF16:
      if (!native_bf16(caps))
        throw ConfigError("runtime.inference_dtype: bf16 asked for, but " + bf16_missing(caps) + "; use fp32 or auto");
      return Precision::BF16;
  }
  throw ConfigError("runtime.inference_dtype: unknown value");
}

Precision inference_precision(InferenceDtype dtype, c10::DeviceType device_type) {
  return dtype == InferenceDtype::FP32 ? Precision::FP32 : resolve_inference_precision(dtype, device_caps(device_type));
}

bool bf16_slower_here(Precision precision, const DeviceCaps& caps) {
  return precision == Precision::BF16 && caps.device_type == c10::DeviceType::CPU && !caps.cpu.bf16_outruns_fp32();
}

std::string bf16_speed_note(const DeviceCaps& caps) {
  if (!native_bf16(caps)) return bf16_missing(caps);
  if (caps.device_type == c10::DeviceType::CUDA) return "this GPU has native bf16";
  if (caps.cpu.amx_bf16) return "this CPU has AMX-BF16";
  return fmt::format("bf16 dot products run at {:.2f}x the fp32 FMA rate on this CPU, so {} than fp32",
                     caps.cpu.bf16_dot_speedup, caps.cpu.bf16_outruns_fp32() ? "faster" : "slower");
}

AutocastScope::AutocastScope(Precision precision, c10::DeviceType device_type) : device_type_(device_type) {
  if (precision == Precision::FP32) return;
  active_ = true;
  const auto dtype = precision == Precision::BF16 ? at::kBFloat16 : at::kHalf;
  if (device_type == c10::DeviceType::CUDA) {
    was_enabled_ = at::autocast::is_enabled();
    previous_dtype_ = static_cast<int>(at::autocast::get_autocast_gpu_dtype());
    at::autocast::set_autocast_gpu_dtype(dtype);
    at::autocast::set_enabled(true);
  } else {
    was_enabled_ = at::autocast::is_cpu_enabled();
    previous_dtype_ = static_cast<int>(at::autocast::get_autocast_cpu_dtype());
    at::autocast::set_autocast_cpu_dtype(dtype);
    at::autocast::set_cpu_enabled(true);
  }
  at::autocast::increment_nesting();
}

AutocastScope::~AutocastScope() {
  if (!active_) return;
  const auto dtype = static_cast<at::ScalarType>(previous_dtype_);
  if (device_type_ == c10::DeviceType::CUDA) {
    at::autocast::set_enabled(was_enabled_);
    at::autocast::set_autocast_gpu_dtype(dtype);
  } else {
    at::autocast::set_cpu_enabled(was_enabled_);
    at::autocast::set_autocast_cpu_dtype(dtype);
  }
  if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
}

}  // namespace facenet
