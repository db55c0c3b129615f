#pragma once
// Torch-free entry point for `facenet identify`: rank a gallery's identities for a probe photo.
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "facenet/core/config.h"
#include "facenet/tasks/detect_args.h"
#include "facenet/tasks/model_args.h"

namespace facenet::tasks {

struct IdentityMatch {
  std::string identity;
  double distance = 0;  ///< L2 between the probe and the identity's nearest gallery embedding
  int64_t images = 0;   ///< images enrolled for the identity
};

struct IdentifyOptions {
  std::string model;    ///< may be empty when `gallery` is a gallery file (its recorded model)
  std::string gallery;  ///< gallery file (facenet enroll) or folder <identity>/<images>
  std::string probe;    ///< the photo to identify
  int64_t k = 5;        ///< identities listed per face
  int64_t batch_size = 64;
  int threads = 0;      ///< decode threads; 0 = all cores
  DetectArgs detect;    ///< with a detector every face of the probe is identified (--largest: one)
  InferenceDtype dtype = InferenceDtype::FP32;  ///< runtime.inference_dtype
  PreprocessArgs preprocess;  ///< a foreign ONNX model\'s input (tasks/model_args.h)
  double threshold = 0; ///< L2 distance below which a face is known; 0 = the model's calibrated one
};

/// One identified face of the probe (the whole image without a detector).
struct ProbeFace {
  int64_t face = 0;                    ///< index within the photo, largest first
  std::array<float, 4> box{};          ///< x, y, width, height (with a detector)
  float score = 1;                     ///< detector score
  std::vector<IdentityMatch> ranking;  ///< best first, at most k
  bool unknown = false;                ///< a threshold is stored and the best match is not below it
};

struct IdentifyResult {
  std::vector<ProbeFace> faces;        ///< one per face found (one without a detector)
  double threshold = 0;                ///< L2: the one given, else the stored one converted (0 = none)
  int64_t gallery_images = 0;
  int64_t identities = 0;
  int64_t embeddings = 0;              ///< gallery rows searched
  std::string model;                   ///< the model that embedded the probe
  std::string detector;                ///< none | haar | yunet
};

/// Ranks `gallery` identities against the probe. `gallery` is either a gallery file made by
/// `facenet enroll` (embeddings loaded, not recomputed; `model` may be empty = the one recorded in
/// it, and a different model is refused) or a folder gallery/<identity>/<image> (images directly in
/// it are their own identity by file stem), embedded now into one re-normalised mean per identity.
/// Scored by eval::identity_distances (one blocked matrix product over every gallery embedding and
/// every probe face). With a detector (`detect`, default the model's) every face of the probe is
/// identified (none found: an error naming the probe), and a folder gallery's images give their
/// largest faces.
IdentifyResult run_identify(const IdentifyOptions& options);

}  // namespace facenet::tasks
