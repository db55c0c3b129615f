#pragma once
// Torch-free entry point for `facenet verify`: are two face images the same person?
#include <array>
#include <string>

#include "facenet/core/config.h"
#include "facenet/tasks/detect_args.h"
#include "facenet/tasks/model_args.h"

namespace facenet::tasks {

struct VerifyOptions {
  std::string model;    ///< TorchScript export, ONNX export or checkpoint
  std::string image_a;
  std::string image_b;
  DetectArgs detect;    ///< with a detector each image's largest face is compared (--largest is implied)
  InferenceDtype dtype = InferenceDtype::FP32;  ///< runtime.inference_dtype
  PreprocessArgs preprocess;  ///< a foreign ONNX model\'s input (tasks/model_args.h)
  double threshold = 0; ///< > 0 replaces the model's calibrated one (in the model's distance)
};

struct VerifyResult {
  double distance = 0;
  double threshold = 0;
  bool same = false;
  std::string distance_name;  ///< "l2", "l2sq" or "cosine"
  std::string detector;       ///< none | haar | yunet
  std::array<float, 4> box_a{}, box_b{};  ///< x, y, width, height of the compared faces
  float score_a = 1, score_b = 1;
};

/// Compares the two images' embeddings in the model's distance against the threshold. With a
/// detector each image's largest face is compared (boxes in `box_a`, `box_b`); an image without a
/// face is an error naming it.
VerifyResult run_verify(const VerifyOptions& options);

}  // namespace facenet::tasks
