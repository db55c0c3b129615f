#pragma once
// Torch-free entry points for `facenet enroll` and `facenet eval-identify` (open-set 1:N).
#include <cstdint>
#include <string>
#include <vector>

#include "facenet/tasks/embed_tools.h"

namespace facenet::tasks {

struct EnrollOptions {
  std::string model;    ///< TorchScript, ONNX export or checkpoint
  std::string gallery;  ///< folder <identity>/<images>
  std::string out;      ///< the gallery file (*.fgal), written atomically
  bool mean = false;    ///< keep one re-normalised mean per identity
  bool add = false;     ///< append to `out` (same model required; --mean must match the file)
  int64_t batch_size = 64;
  int threads = 0;
  DetectArgs detect;    ///< with a detector each image gives its largest face (none found: left out, logged)
  InferenceDtype dtype = InferenceDtype::FP32;  ///< runtime.inference_dtype
};

struct EnrollResult {
  int64_t images = 0;         ///< embedded now
  int64_t new_identities = 0; ///< not in the gallery before
  int64_t identities = 0;     ///< in the file written
  int64_t rows = 0;           ///< embeddings in the file written
};

/// Embeds every image of options.gallery once and writes (or, with add, extends) the gallery
/// file. With mean and add, an identity already present gets the count-weighted mean of its stored
/// mean and the new images' embeddings, re-normalised.
EnrollResult run_enroll(const EnrollOptions& options);

struct EvalIdentifyOptions {
  std::string model;   ///< may be empty when `gallery` is a gallery file (its recorded model)
  std::string gallery; ///< gallery file or folder (embedded now, one embedding per image)
  std::string probes;  ///< folder <identity>/<images>; identities not in the gallery are non-mated
  std::string out;     ///< folder for identification.json and det.png; empty = print only
  std::vector<double> fpir_targets{1e-2, 1e-1};
  int64_t batch_size = 64;
  int threads = 0;
  InferenceDtype dtype = InferenceDtype::FP32;  ///< runtime.inference_dtype
  double threshold = 0;  ///< L2 operating point reported besides the FPIR targets; 0 = the model's
};

struct EvalIdentifySummary {
  std::string table;  ///< human-readable lines
  std::string json;   ///< identification.json text
};

EvalIdentifySummary run_eval_identify(const EvalIdentifyOptions& options);

}  // namespace facenet::tasks
