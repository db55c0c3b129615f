#pragma once
// Torch-free entry points for `facenet export` and `facenet import`.
#include <string>
#include <vector>

#include "facenet/core/config.h"

namespace facenet::tasks {

/// Loads `checkpoint` and writes it as config.format to `out` (ONNX also writes `<out>.json`).
/// Returns a one-line summary. Throws ConfigError naming export.format and the formats that
/// can be written when config.format is none of them (before reading anything), and
/// facenet::Error naming the file on failure.
std::string run_export(const std::string& checkpoint, const ExportConfig& config, const std::string& out);

/// Reads a facenet-pytorch (timesler InceptionResnetV1) state dict saved by torch.save and writes
/// a facenet checkpoint to `out` (embedding size from last_linear.weight; preprocessing: RGB 160 px,
/// fixed standardisation, as the port expects; crop: facenet-pytorch's MTCNN + extract_face, i.e.
/// data.crop rule facenet_pytorch, margin 0, detector mtcnn).
/// With `layout` "insightface": an arcface_torch backbone.pth (IResNet r18-r200 or MobileFaceNet;
/// `backbone` names it, e.g. "r50" or "mbf", or "" to read it from the keys), recorded with
/// insightface's preprocessing (112 px RGB, (x/255 - 0.5)/0.5) and crop (5point, MTCNN's landmarks).
/// Every name and shape is checked; a mismatch is one line naming the key, expected and found.
std::string run_import(const std::string& layout, const std::string& file, const std::string& out,
                       const std::string& backbone = "");

/// One row of the network-format table (infer/network_format.h), for help texts and `info`.
struct FormatSummary {
  std::string name;         ///< the export.format / --format spelling
  std::string kind;         ///< what `facenet check` calls such a file
  std::string description;  ///< one line
  std::string extension;    ///< the usual file name ending
  bool loads = false;       ///< eval, embed, verify, ... read it
  bool writes = false;      ///< `facenet export` writes it
};

/// Every registered format, in the table's order.
std::vector<FormatSummary> list_formats();

}  // namespace facenet::tasks
