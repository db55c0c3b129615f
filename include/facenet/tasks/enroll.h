#pragma once
// Torch-free entry point for `facenet enroll`: embed a folder once into a gallery file.
#include <cstdint>
#include <string>

#include "facenet/core/config.h"
#include "facenet/tasks/detect_args.h"
#include "facenet/tasks/model_args.h"

namespace facenet::tasks {

struct EnrollOptions {
  std::string model;    ///< TorchScript, ONNX export or checkpoint
  std::string gallery;  ///< folder <identity>/<images>
  std::string out;      ///< the gallery file (*.fgal), written atomically
  bool mean = false;    ///< keep one re-normalised mean per identity
  bool add = false;     ///< append to `out` (same model required; --mean must match the file)
  int64_t batch_size = 64;
  int threads = 0;      ///< decode threads; 0 = all cores
  DetectArgs detect;    ///< with a detector each image gives its largest face (none found: left out, logged)
  InferenceDtype dtype = InferenceDtype::FP32;  ///< runtime.inference_dtype
  PreprocessArgs preprocess;  ///< a foreign ONNX model\'s input (tasks/model_args.h)
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

}  // namespace facenet::tasks
