#pragma once
// Torch-free entry point for `facenet quantize`: post-training int8 quantization of a checkpoint.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace facenet::tasks {

struct QuantizeOptions {
  std::string model;      ///< a training checkpoint (or `facenet import`'s): the layer graph is built from it
  std::string calibrate;  ///< folder of face crops (any depth), preprocessed as the model says
  std::string out;        ///< the int8 model file
  int64_t images = 512;   ///< calibration images used at most (sorted by path; 0 = all)
  std::string observer = "histogram";  ///< minmax | histogram
  /// Convolutions / linear layers kept in fp32 by name; unset = the first convolution and the
  /// embedding head (quantize::default_fp32_ops); an empty list = every one int8.
  std::optional<std::vector<std::string>> keep_fp32;
  std::string pairs;      ///< optional: an LFW-format pairs file to compare fp32 and int8 on
  std::string pairs_dir;  ///< the pairs' images (eval.data_dir); default: the pairs file's folder
  std::string onnx;       ///< optional: also write the int8 network as a QDQ ONNX graph here
  int64_t sensitivity_images = 32;  ///< calibration images the per-layer table uses (0 = no table)
  int64_t batch_size = 32;
};

/// Calibrates, quantizes and writes options.out (and, with pairs, <out>.quant.json and
/// <out>.sensitivity.csv). Returns the report printed by the command. Throws facenet::Error
/// naming the file for a model that is already int8 or not a checkpoint, a calibration folder
/// without enough decodable images, or a build without a quantized engine; ConfigError for an
/// unknown observer or a --keep-fp32 name that is no convolution or linear layer.
std::string run_quantize(const QuantizeOptions& options);

}  // namespace facenet::tasks
