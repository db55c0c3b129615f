#pragma once
// The metadata record every export carries (inside the file and, for ONNX, in a
// `<out>.json` sidecar): what the network expects and how to threshold it.
#include <cstdint>
#include <string>

#include "facenet/core/config.h"

namespace facenet {
class Checkpoint;
}

namespace facenet::infer {

/// The ONNX metadata property holding the export's content digest ("crc32c:xxxxxxxx": CRC-32C
/// of the model serialised without this property).
inline constexpr const char* kOnnxDigestKey = "facenet.digest";

struct ExportMeta {
  Backbone backbone = Backbone::MobileNet;
  int64_t embedding_size = 128;
  int64_t input_size = 160;         ///< the network's input side (= preprocess.image_size)
  PreprocessConfig preprocess;      ///< how a BGR image becomes the input
  double threshold = 0;             ///< state.threshold_at_far of the checkpoint (0 = never calibrated)
  double far_target = 1e-3;         ///< the FAR the threshold was calibrated at
  Distance distance = Distance::L2; ///< the metric the threshold applies to
  std::string source;               ///< the checkpoint it was exported from
  CropConfig crop;                  ///< how faces are cut from photos (data.crop of the training config)
  /// Non-empty for a model facenet did not export (an ONNX file without facenet metadata, its
  /// preprocessing stated by the user: infer/foreign.h): what it is, for reports ("foreign ONNX
  /// model, preprocessing from 'x.preprocess.json'"). `backbone` means nothing then.
  std::string foreign;

  /// to_string(backbone), or "foreign" for a foreign model.
  std::string architecture() const { return foreign.empty() ? to_string(backbone) : "foreign"; }
};

/// {"format":"facenet-cpp export v1","backbone":"mobilenet","embedding_size":128,"input_size":160,
///  "preprocess":{...},"threshold":1.1,"far_target":0.001,"distance":"l2","source":"...",
///  "crop":{"rule":"margin","margin":32,"detector":"haar"}}  (crop absent in older exports = none)
std::string meta_to_json(const ExportMeta& meta);
/// Parses meta_to_json's text; throws facenet::Error naming `origin` when it is not one.
ExportMeta meta_from_json(const std::string& text, const std::string& origin);

/// The metadata of a checkpoint (its config and state).
ExportMeta meta_from_checkpoint(const Checkpoint& checkpoint);

/// Distance between two embeddings under `distance` (l2, squared l2, or arccos(cosine)/pi as the evaluator).
double embedding_distance(const float* a, const float* b, int64_t size, Distance distance);

}  // namespace facenet::infer
