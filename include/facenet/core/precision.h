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
  /// bf16 dot-product FLOPs over fp32 FMA FLOPs per second on one core, measured
  /// (measure_bf16_dot_speedup in cpu_rates.h); 0 = not measured.
  double bf16_dot_speedup = 0;
  /// oneDNN has native bf16 kernels here; elsewhere bf16 is emulated and slower than fp32.
  bool native_bf16() const { return avx512f && (avx512_bf16 || amx_bf16); }
  /// Where `auto` picks bf16: AMX-BF16, or AVX512-BF16 whose dot products run at least 1.25x
  /// the fp32 FMA rate (AMD Zen 4/5: 2x). On an Intel Xeon without AMX they ran at 0.5x and
  /// both trunks trained and inferred 30-50% slower in bf16 than in fp32.
  bool bf16_outruns_fp32() const { return native_bf16() && (amx_bf16 || bf16_dot_speedup >= 1.25); }
};
/// The CPUID flags (bf16_dot_speedup stays 0: device_caps measures it).
CpuFeatures cpu_features();

/// What the device `device_type` offers: the CPU's features (with AVX512-BF16 but no AMX, the
/// bf16 dot-product rate is measured: ~30 ms), or for CUDA whether bf16 is native.
struct DeviceCaps {
  c10::DeviceType device_type = c10::DeviceType::CPU;
  CpuFeatures cpu;
  bool cuda_bf16 = false;  ///< compute capability 8.0+ (LibTorch's cuDNN v8 bf16 convolutions)
};
DeviceCaps device_caps(c10::DeviceType device_type);

/// train.amp on this device. bf16 where the device lacks it, or fp16 on a CPU, is a
/// ConfigError naming the key; `auto` picks bf16 where it is native and (on a CPU) outruns fp32,
/// else fp32 (logged by the caller with bf16_speed_note).
Precision resolve_training_precision(Amp amp, const DeviceCaps& caps);
/// runtime.inference_dtype on this device, with the same rules (there is no fp16 inference).
Precision resolve_inference_precision(InferenceDtype dtype, const DeviceCaps& caps);
/// resolve_inference_precision on this machine's `device_type`; fp32 asks nothing of the device.
Precision inference_precision(InferenceDtype dtype, c10::DeviceType device_type);
/// Why bf16 is or is not the faster choice on this device, for the log line of a resolved
/// precision, e.g. "bf16 dot products run at 0.51x the fp32 FMA rate on this CPU, so slower than fp32".
std::string bf16_speed_note(const DeviceCaps& caps);
/// `precision` is bf16 on a CPU where it was measured slower than fp32 (asked for explicitly:
/// it runs, and the caller warns).
bool bf16_slower_here(Precision precision, const DeviceCaps& caps);

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
