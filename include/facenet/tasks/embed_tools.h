#pragma once
// Torch-free entry points for `facenet embed`, `facenet verify` and `facenet identify`.
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "facenet/core/config.h"

namespace facenet::tasks {

/// --detect, --detect-model, --largest (embed, verify, identify, enroll, cluster).
struct DetectArgs {
  std::string detect;        ///< "" = the model's crop.detector (none for pre-cropped models); none | haar | yunet
  std::string detect_model;  ///< YuNet ONNX (never downloaded) or another Haar cascade
  bool largest = false;      ///< one face (the largest) per photo
};

struct EmbedOptions {
  std::string model;                ///< TorchScript export, ONNX export or checkpoint
  std::vector<std::string> inputs;  ///< folders (searched recursively) and/or image files
  std::string out;                  ///< *.csv or *.npy (+ *.npy.txt listing the paths)
  int64_t batch_size = 64;
  int threads = 0;
  DetectArgs detect;
  InferenceDtype dtype = InferenceDtype::FP32;  ///< runtime.inference_dtype
};

struct EmbedSummary {
  int64_t images = 0;
  int64_t rows = 0;          ///< embeddings written (faces with a detector, images without)
  int64_t without_face = 0;  ///< photos where the detector found no face (logged, not written)
  int64_t unreadable = 0;    ///< with a detector: photos that could not be decoded (logged)
  std::string detector;      ///< none | haar | yunet
  std::string crop;          ///< none | margin | 5point
};

/// Embeds every image. Without a detector: CSV rows are path (relative to the given folder, or as
/// given for a file), then the D values. With one: one row per face: path, face index (largest
/// first), x, y, width, height, score, then the D values; photos without a face are logged and
/// counted. NPY: float32 (N, D), NPY v1; its .npy.txt lists the rows' leading columns.
EmbedSummary run_embed(const EmbedOptions& options);

/// Writes a float32 (rows, cols) row-major array in NPY v1 format (atomically).
void write_npy(const std::string& path, const float* data, int64_t rows, int64_t cols);

/// Image files under `input` (recursive, sorted; the extensions data::is_image_path accepts) or `input` itself, with the
/// names reported for them (relative to the folder, or as given).
std::vector<std::pair<std::string, std::string>> list_images(const std::string& input);

struct VerifyResult {
  double distance = 0;
  double threshold = 0;
  bool same = false;
  std::string distance_name;  ///< "l2", "l2sq" or "cosine"
  std::string detector;       ///< none | haar | yunet
  std::array<int, 4> box_a{}, box_b{};  ///< x, y, width, height of the compared faces
  float score_a = 1, score_b = 1;
};
/// With a detector each image's largest face is compared (boxes in `box_a`, `box_b`); an image
/// without a face is an error naming it.
/// `threshold` > 0 replaces the model's calibrated one (in the model's distance, as reported).
VerifyResult run_verify(const std::string& model, const std::string& image_a, const std::string& image_b,
                        const DetectArgs& detect = {}, InferenceDtype dtype = InferenceDtype::FP32,
                        double threshold = 0);

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
  int threads = 0;
  DetectArgs detect;    ///< with a detector every face of the probe is identified (--largest: one)
  InferenceDtype dtype = InferenceDtype::FP32;  ///< runtime.inference_dtype
  double threshold = 0; ///< L2 distance below which a face is known; 0 = the model's calibrated one
};

/// One identified face of the probe (the whole image without a detector).
struct ProbeFace {
  int64_t face = 0;                    ///< index within the photo, largest first
  std::array<int, 4> box{};            ///< x, y, width, height (with a detector)
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
