#pragma once
// Detection + crop in front of the network: which detector and crop rule a run uses (the
// model's data.crop unless --detect overrides it) and photos -> one embedding per face.
#include <torch/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "facenet/detect/detector.h"
#include "facenet/infer/meta.h"

namespace facenet::infer {

struct LoadedNetwork;

/// The resolved plan: detector options and the crop rule. A detector on a model trained on
/// pre-cropped images (crop.rule none) crops with rule margin (crop.margin, default 32).
struct FacePlan {
  detect::DetectOptions detect;
  CropConfig crop;
  bool active() const { return detect.detector != FaceDetector::None; }
};

/// Throws facenet::ConfigError for an unknown --detect value or bad thresholds.
FacePlan face_plan(const ExportMeta& meta, const detect::DetectRequest& request);

/// Every face of a list of photos, embedded.
struct PhotoFaces {
  torch::Tensor embeddings;         ///< (faces, D) float32
  std::vector<int64_t> photo;       ///< per face: the index into the given paths
  std::vector<int64_t> index;       ///< per face: its index within the photo (largest first)
  std::vector<detect::Face> faces;    ///< per face: box, score, landmarks
  int64_t without_face = 0;         ///< photos where the detector found nothing (logged)
  int64_t unreadable = 0;           ///< photos that could not be decoded (logged)
};

/// Detects, crops (plan.crop, at meta.input_size) and embeds in batches of `batch_size` faces,
/// logging "[tag] n/N photos, F faces" with rate and ETA. A photo without a face or an unreadable
/// one is logged and counted, never an error.
PhotoFaces embed_photo_faces(const LoadedNetwork& net, const std::vector<std::string>& paths, const FacePlan& plan,
                             int64_t batch_size, const std::string& tag);

}  // namespace facenet::infer
