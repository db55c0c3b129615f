#pragma once
// Torch-free entry point for `facenet eval-identify`: open-set 1:N evaluation of a gallery.
#include <cstdint>
#include <string>
#include <vector>

#include "facenet/core/config.h"
#include "facenet/tasks/detect_args.h"
#include "facenet/tasks/model_args.h"

namespace facenet::tasks {

struct EvalIdentifyOptions {
  std::string model;   ///< may be empty when `gallery` is a gallery file (its recorded model)
  std::string gallery; ///< gallery file or folder (embedded now, one embedding per image)
  std::string probes;  ///< folder <identity>/<images>; identities not in the gallery are non-mated
  std::string out;     ///< folder for identification.json and det.png; empty = print only
  std::vector<double> fpir_targets{1e-2, 1e-1};
  int64_t batch_size = 64;
  int threads = 0;     ///< decode threads; 0 = all cores
  InferenceDtype dtype = InferenceDtype::FP32;  ///< runtime.inference_dtype
  PreprocessArgs preprocess;  ///< a foreign ONNX model\'s input (tasks/model_args.h)
  double threshold = 0;  ///< L2 operating point reported besides the FPIR targets; 0 = the model's
  /// "" = the model's detector (none for models trained on crops). With a detector a gallery folder
  /// gives each image's largest face (none found: left out, as enroll does) and each probe the face
  /// `eval --detect` takes (infer::photo_embed_fn; none found: its centre square, counted).
  DetectArgs detect;
};

struct EvalIdentifySummary {
  std::string table;  ///< human-readable lines
  std::string json;   ///< identification.json text
};

/// Rank-1/5 identification rates, FNIR at each FPIR target and at the threshold; with `out`:
/// identification.json, det.png and probes.csv there.
EvalIdentifySummary run_eval_identify(const EvalIdentifyOptions& options);

}  // namespace facenet::tasks
