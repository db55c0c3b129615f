// train.amp / runtime.inference_dtype: spelling, the resolution rules per device, and the CPU
// feature detection they rest on.
#include "facenet/core/precision.h"

#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "facenet/core/config_yaml.h"
#include "facenet/core/error.h"

using namespace facenet;

namespace {

DeviceCaps cpu(bool bf16) {
  DeviceCaps c;
  c.cpu.avx512f = true;
  c.cpu.avx512_bf16 = bf16;
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
