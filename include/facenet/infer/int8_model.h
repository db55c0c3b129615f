#pragma once
// What an int8 model file is (written by `facenet quantize`, src/quantize): a TorchScript
// archive like a TorchScript export (extra/meta.json, the project's zip digest) whose forward
// runs LibTorch's quantized kernels, plus extra/int8.json, the record of how it was quantized.
// The record's presence is what the network-format table's "int8" row sniffs.
#include <cstdint>
#include <string>
#include <vector>

namespace facenet::infer {

/// The archive record holding the Int8Record (extra/int8.json).
inline constexpr const char* kInt8RecordName = "int8.json";
/// The quantized engine int8 models run on (LibTorch's oneDNN kernels; Debian's 1.13 has no fbgemm).
inline constexpr const char* kInt8Engine = "onednn";

struct Int8Record {
  std::string engine = kInt8Engine;
  std::string observer;                ///< minmax | histogram
  int64_t calibration_images = 0;      ///< images the observers saw
  int64_t skipped_images = 0;          ///< calibration images that did not decode
  std::string calibration_dir;         ///< where they came from
  std::vector<std::string> int8_ops;   ///< convolutions / linear layers running in int8
  std::vector<std::string> fp32_ops;   ///< those kept in fp32 (by name or default)
  std::string source;                  ///< the fp32 model it was quantized from
  double fp32_threshold = 0;           ///< the fp32 model's threshold when it was re-measured (0 = not)
};

/// {"format":"facenet-cpp int8 v1","engine":"onednn","observer":"histogram",...}
std::string int8_record_to_json(const Int8Record& record);
/// Parses int8_record_to_json's text; throws facenet::Error naming `origin` when it is not one.
Int8Record int8_record_from_json(const std::string& text, const std::string& origin);

/// The quantized engines this LibTorch build has ("onednn, qnnpack").
std::string quantized_engines();
/// Makes kInt8Engine LibTorch's quantized engine (prepacking and running int8 weights both read
/// it). Throws facenet::Error naming `what` (the model file, or "quantize") when this build or
/// CPU has no such engine.
void use_int8_engine(const std::string& what);

}  // namespace facenet::infer
