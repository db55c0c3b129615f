#pragma once
// Numeric precision of training (train.amp) and inference (runtime.inference_dtype): what the
// machine supports, the resolution of `auto`, and the autocast region that applies it.
#include <c10/core/DeviceType.h>

#include <string>

#include "facenet/core/config.h"

namespace facenet {

/// The precision a run actually computes in (after `auto` is resolved).
enum class Precision { FP32, BF16, FP16 };
std::string to_string(Precision p);

/// What the CPU can do fast in bf16, read from CPUID at run time (never assumed at build time).
struct CpuFeatures {
  bool avx512f = false;      ///< with OS support for the AVX-512 state
  bool avx512_bf16 = false;  ///< VCVTNE2PS2BF16 / VDPBF16PS (Cooper Lake, Sapphire Rapids, Zen 4+)
  bool amx_bf16 = false;     ///< AMX tiles with bf16 (Sapphire Rapids+)
  /// oneDNN has native bf16 kernels here; elsewhere bf16 is emulated and slower than fp32.
  bool fast_bf16() const { return avx512f && (avx512_bf16 || amx_bf16); }
};
CpuFeatures cpu_features();

/// What the device `device_type` offers: the CPU's features, or for CUDA whether bf16 is native.
struct DeviceCaps {
  c10::DeviceType device_type = c10::DeviceType::CPU;
  CpuFeatures cpu;
  bool cuda_bf16 = false;  ///< compute capability 8.0+ (LibTorch's cuDNN v8 bf16 convolutions)
};
DeviceCaps device_caps(c10::DeviceType device_type);

/// train.amp on this device. bf16 where the device lacks it, or fp16 on a CPU, is a
/// ConfigError naming the key; `auto` picks bf16 where it is native, else fp32 (logged by the caller).
Precision resolve_training_precision(Amp amp, const DeviceCaps& caps);
/// runtime.inference_dtype on this device, with the same rules (there is no fp16 inference).
Precision resolve_inference_precision(InferenceDtype dtype, const DeviceCaps& caps);

/// Mixed precision for the code run while it lives: LibTorch's autocast on `device_type` in
/// bf16 or fp16 (matrix products and convolutions in the low precision, precision-sensitive
/// ops in fp32, parameters stay fp32). FP32 does nothing. Restores the previous state and, as
/// PyTorch's `torch.autocast` does on leaving the outermost region, clears the cast-weight cache
/// (weights change at every optimiser step).
class AutocastScope {
 public:
  AutocastScope(Precision precision, c10::DeviceType device_type);
  ~AutocastScope();
  AutocastScope(const AutocastScope&) = delete;
  AutocastScope& operator=(const AutocastScope&) = delete;

 private:
  bool active_ = false;
  c10::DeviceType device_type_;
  bool was_enabled_ = false;
  int previous_dtype_ = 0;
};

}  // namespace facenet
