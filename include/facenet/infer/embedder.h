#pragma once
// facenet::Embedder: the deployment API. Loads an exported model (TorchScript or ONNX) or a
// training checkpoint, embeds BGR images (as cv::imread gives them) with the preprocessing stored
// in the model, and compares embeddings at the stored verification threshold. Torch-free.
#include <array>
#include <memory>
#include <string>
#include <vector>

#include "facenet/infer/meta.h"

namespace cv {
class Mat;
}

namespace facenet {

using Embedding = std::vector<float>;

struct Comparison {
  double distance = 0;  ///< under meta().distance
  bool same = false;    ///< distance < threshold
};

/// How Embedder::embed_faces finds faces (the CLI's --detect, --detect-model, --largest).
struct FaceDetection {
  std::string detector;  ///< "" = the model's (meta().crop.detector: none for pre-cropped models); none | haar | yunet
  std::string model;     ///< YuNet ONNX (required for yunet; never downloaded) or another Haar cascade
  bool largest = false;  ///< only the largest face
};

/// One face of a photo.
struct DetectedFace {
  int x = 0, y = 0, width = 0, height = 0;  ///< box in photo pixels
  float score = 1;                          ///< detector score (Haar: cascade level weight; YuNet: [0, 1])
  bool has_landmarks = false;
  std::array<float, 10> landmarks{};        ///< x, y of right eye, left eye, nose, mouth right, mouth left (YuNet)
  Embedding embedding;
};

class Embedder {
 public:
  /// Throws facenet::Error naming `model_path` when it is missing, of another kind or corrupt.
  /// `dtype` is runtime.inference_dtype: bf16 (or auto) embeds in bf16 on CPUs with native bf16
  /// (cosine >= 0.999 to fp32 on LFW faces); bf16 on a CPU without it is a ConfigError.
  explicit Embedder(const std::string& model_path, InferenceDtype dtype = InferenceDtype::FP32);
  ~Embedder();
  Embedder(Embedder&&) noexcept;
  Embedder& operator=(Embedder&&) noexcept;

  /// One image (8-bit BGR, any size) -> unit-norm embedding of embedding_size() values.
  Embedding embed(const cv::Mat& bgr) const;
  /// Several images in one forward pass.
  std::vector<Embedding> embed(const std::vector<cv::Mat>& bgr) const;
  /// Reads `path` (throws facenet::Error naming it when unreadable) and embeds it.
  Embedding embed_file(const std::string& path) const;

  /// Every face of a photo (largest first), cropped by the model's crop rule (meta().crop; margin
  /// when the model was trained on pre-cropped images) and embedded. Empty when none is found.
  /// Detection `none` = the whole photo is one face. Not thread-safe (the detector is kept).
  std::vector<DetectedFace> embed_faces(const cv::Mat& bgr, const FaceDetection& detection = {}) const;

  /// Distance and same/different at threshold().
  Comparison compare(const Embedding& a, const Embedding& b) const;

  int64_t embedding_size() const;
  /// The stored verification threshold (calibrated at FAR = meta().far_target; 0 = none stored).
  double threshold() const;
  const infer::ExportMeta& meta() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace facenet
