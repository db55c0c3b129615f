#pragma once
// Foreign face models: ONNX files facenet-cpp did not export (insightface's w600k_r50.onnx,
// OpenCV's SFace), which carry no facenet metadata. The user states how an image becomes their
// input (flags, or a sidecar file next to the model); resolve_foreign checks the statement
// against the model's declared input and turns it into the ExportMeta every task reads.
// Torch-free.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "facenet/core/config.h"
#include "facenet/infer/meta.h"

namespace facenet::infer {

/// What the user says about a foreign model's input, every part optional until resolved.
/// Sidecar keys (YAML or JSON, one flat map; an unknown key is an error) and their flags:
///   input_size (--input-size)        the square side fed to the network; optional when the model fixes it
///   mean, std (--input-mean, --input-std) one value or three (the network's channel order), pixels 0..255
///   channel_order (--channel-order)  rgb | bgr
///   crop (--crop)                    5point | margin | facenet_pytorch | none: how faces are cut from photos
///   margin (--crop-margin)           the margin of crop margin / facenet_pytorch (default 32)
///   detector                         mtcnn | yunet | haar: what finds the faces by default (mtcnn; none
///                                    for crop none); --detect picks another per run
///   resize                           resize | letterbox (default resize)
///   distance                         l2 | l2sq | cosine: the metric of `threshold` (default l2, on unit vectors)
///   threshold                        same person below this distance (default 0: none; --threshold per run)
struct PreprocessStatement {
  std::optional<int64_t> input_size;
  std::string size_origin;   ///< where input_size came from ("'file'"; empty: --input-size), for messages
  std::vector<double> mean;  ///< empty = not stated
  std::vector<double> std_dev;
  std::optional<ChannelOrder> channel_order;
  std::optional<CropRule> crop;
  std::optional<int64_t> margin;
  std::optional<FaceDetector> detector;
  std::optional<ResizeMode> resize;
  std::optional<Distance> distance;
  std::optional<double> threshold;
  /// --preprocess FILE: the sidecar to read (else `<model>.preprocess.{json,yaml,yml}` when present).
  std::string file;

  /// True when nothing is stated (no flag, no file).
  bool empty() const;
};

/// Parses a sidecar's text (YAML; JSON is read as YAML). Throws facenet::Error
/// "'<origin>': <key>: <problem>" for an unknown key, a bad value or text that is not a map.
PreprocessStatement parse_preprocess_statement(const std::string& text, const std::string& origin);

/// `stated` completed from a sidecar: its `file` when set (an Error when unreadable), else the
/// first of `<model>.preprocess.json`, `.yaml`, `.yml` that exists. A part stated in `stated`
/// (a flag) wins over the file's. Returns `stated` unchanged when there is no sidecar.
PreprocessStatement with_sidecar(const PreprocessStatement& stated, const std::string& model_path);

/// The sidecar a model's missing-statement error suggests: `<model>.preprocess.json`.
std::string sidecar_path(const std::string& model_path);

/// The ExportMeta of a foreign model from what was stated and what its graph declares: its
/// input side (`model_side`, 0 when dynamic) and embedding size. Throws facenet::Error naming
/// the model when a required part is missing (input size when the model leaves it dynamic, mean,
/// std, channel order, crop), when the stated size disagrees with the model's, or when a value is bad.
ExportMeta resolve_foreign(const PreprocessStatement& stated, int64_t model_side, int64_t embedding_size,
                           const std::string& model_path);

}  // namespace facenet::infer
