// train.amp / runtime.inference_dtype: spelling, the resolution rules per device, and the CPU
// feature detection they rest on.
#include "facenet/core/precision.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <string>

#include "facenet/core/config_yaml.h"
#include "facenet/core/cpu_rates.h"
#include "facenet/core/error.h"

using namespace facenet;

namespace {

/// A CPU with or without AVX512-BF16 whose bf16 dot products ran at `speedup` x fp32 FMA.
DeviceCaps cpu(bool bf16, double speedup = 2.0) {
  DeviceCaps c;
  c.cpu.avx512f = true;
  c.cpu.avx512_bf16 = bf16;
  c.cpu.bf16_dot_speedup = bf16 ? speedup : 0;
  return c;
}

std::string config_error(Amp amp, const DeviceCaps& caps) {
  try {
    resolve_training_precision(amp, caps);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(Precision, TrainAmpSpellingsIncludingTheOldBooleans) {
  EXPECT_EQ(load_config_text("train:\n  amp: bf16\n", "t").train.amp, Amp::BF16);
  EXPECT_EQ(load_config_text("train:\n  amp: auto\n", "t").train.amp, Amp::Auto);
  EXPECT_EQ(load_config_text("train:\n  amp: fp16\n", "t").train.amp, Amp::FP16);
  // Configs and checkpoints written before the enum said false/true.
  EXPECT_EQ(load_config_text("train:\n  amp: false\n", "t").train.amp, Amp::None);
  EXPECT_EQ(load_config_text("train:\n  amp: true\n", "t").train.amp, Amp::Auto);
  EXPECT_EQ(to_yaml(load_config_text("train:\n  amp: false\n", "t")).find("amp: false"), std::string::npos);
  EXPECT_EQ(load_config_text("runtime:\n  inference_dtype: bf16\n", "t").runtime.inference_dtype, InferenceDtype::BF16);
  try {
    load_config_text("train:\n  amp: fp8\n", "t");
    FAIL();
  } catch (const ConfigError& e) {
    // The aliases are read but not offered.
    EXPECT_NE(std::string(e.what()).find("none | bf16 | fp16 | auto"), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).find("| false"), std::string::npos) << e.what();
  }
}

TEST(Precision, Bf16IsOnlyTakenWhereItIsNative) {
  EXPECT_EQ(resolve_training_precision(Amp::None, cpu(true)), Precision::FP32);
  EXPECT_EQ(resolve_training_precision(Amp::BF16, cpu(true)), Precision::BF16);
  EXPECT_EQ(resolve_training_precision(Amp::Auto, cpu(true)), Precision::BF16);
  EXPECT_EQ(resolve_training_precision(Amp::Auto, cpu(false)), Precision::FP32);  // the caller logs the choice
  // Native but slower than fp32 (an Intel Xeon without AMX: 0.5x): auto keeps fp32, bf16 stays allowed.
  EXPECT_EQ(resolve_training_precision(Amp::Auto, cpu(true, 0.5)), Precision::FP32);
  EXPECT_EQ(resolve_inference_precision(InferenceDtype::Auto, cpu(true, 0.5)), Precision::FP32);
  EXPECT_EQ(resolve_training_precision(Amp::BF16, cpu(true, 0.5)), Precision::BF16);
  EXPECT_NE(bf16_speed_note(cpu(true, 0.5)).find("0.50x the fp32 FMA rate on this CPU, so slower than fp32"),
            std::string::npos);
  EXPECT_TRUE(bf16_slower_here(Precision::BF16, cpu(true, 0.5)));  // runs, with a warning
  EXPECT_FALSE(bf16_slower_here(Precision::BF16, cpu(true, 2.0)));
  EXPECT_FALSE(bf16_slower_here(Precision::FP32, cpu(true, 0.5)));
  auto amx = cpu(true, 0);
  amx.cpu.amx_bf16 = true;  // AMX is not measured: its tiles outrun fp32 wherever they exist
  EXPECT_EQ(resolve_training_precision(Amp::Auto, amx), Precision::BF16);
  // Asked for and missing: an error naming the key, never a silent fp32 run.
  EXPECT_NE(config_error(Amp::BF16, cpu(false)).find("train.amp: bf16 asked for, but this CPU has no native bf16"),
            std::string::npos);
  EXPECT_NE(config_error(Amp::FP16, cpu(true)).find("train.amp: fp16 needs a CUDA device"), std::string::npos);
  DeviceCaps gpu;
  gpu.device_type = c10::DeviceType::CUDA;
  EXPECT_EQ(resolve_training_precision(Amp::FP16, gpu), Precision::FP16);
  EXPECT_EQ(resolve_training_precision(Amp::Auto, gpu), Precision::FP32);
  gpu.cuda_bf16 = true;
  EXPECT_EQ(resolve_training_precision(Amp::Auto, gpu), Precision::BF16);
  EXPECT_EQ(resolve_inference_precision(InferenceDtype::Auto, cpu(false)), Precision::FP32);
  EXPECT_EQ(resolve_inference_precision(InferenceDtype::BF16, cpu(true)), Precision::BF16);
  EXPECT_THROW(resolve_inference_precision(InferenceDtype::BF16, cpu(false)), ConfigError);
}

TEST(Precision, CpuFeaturesAgreeWithTheKernelsFlags) {
  std::ifstream in("/proc/cpuinfo");
  std::string line, flags;
  while (std::getline(in, line))
    if (line.rfind("flags", 0) == 0) {
      flags = " " + line.substr(line.find(':') + 1) + " ";
      break;
    }
  if (flags.empty()) GTEST_SKIP() << "no /proc/cpuinfo flags (not x86 Linux)";
  const auto f = cpu_features();
  EXPECT_EQ(f.avx512f, flags.find(" avx512f ") != std::string::npos);
  EXPECT_EQ(f.avx512_bf16, flags.find(" avx512_bf16 ") != std::string::npos);
  EXPECT_EQ(f.amx_bf16, flags.find(" amx_bf16 ") != std::string::npos);
}

// The chain kernels compute what they claim (so their rates count real work), and the bf16
// rate auto decides by is measured wherever AVX512-BF16 exists.
TEST(CpuRates, ChainKernelsComputeTheirSumsAndBf16IsMeasuredWhereItExists) {
  constexpr int64_t n = 100;
  const auto fma = fp32_fma_kernel();
  const int chains = fma.flops_per_iteration == 16 * 16 * 2 ? 16 : 12, lanes = chains == 16 ? 16 : 8;
  // acc_k <- acc_k * m + a from k: k m^n + a (1 - m^n) / (1 - m), in every lane.
  const double m = 0.999999f, a = 1e-7f, mn = std::pow(m, n);
  double expected = 0;
  for (int k = 0; k < chains; ++k) expected += lanes * (k * mn + a * (1 - mn) / (1 - m));
  EXPECT_NEAR(fma.run(n), expected, 1e-5 * expected);
  EXPECT_GT(chain_gflops(fma, 0.01), 1.0);
  if (!cpu_features().avx512f || !cpu_features().avx512_bf16) {
    EXPECT_EQ(measure_bf16_dot_speedup(), 0);
    GTEST_SKIP() << "no AVX512-BF16: the bf16 kernel is not run";
  }
  // acc_k <- acc_k + 2 products of bf16 0x3a83 (= 1.0234375 * 2^-10) and 1, from k.
  const double step = 2 * 1.0234375 / 1024;
  expected = 0;
  for (int k = 0; k < 16; ++k) expected += 16 * (k + n * step);
  EXPECT_NEAR(bf16_dot_kernel().run(n), expected, 1e-5 * expected);
  const double speedup = measure_bf16_dot_speedup();
  EXPECT_GT(speedup, 0.2);
  EXPECT_LT(speedup, 8);
  if (!cpu_features().amx_bf16) EXPECT_GT(device_caps(c10::DeviceType::CPU).cpu.bf16_dot_speedup, 0.2);
}
