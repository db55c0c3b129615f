#pragma once
// facenet::Embedder: the deployment API. Loads an exported model (TorchScript, ONNX, int8) or a
// training checkpoint, embeds BGR images (as cv::imread gives them) with the preprocessing stored
// in the model, and compares embeddings at the stored verification threshold. Torch-free.
#include <array>
#include <memory>
#include <string>
#include <vector>

#include "facenet/detect/detector.h"
#include "facenet/infer/foreign.h"
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

/// How Embedder::embed_faces finds faces (the CLI's --detect, --detect-model, --min-face,
/// --thresholds, --largest): detector "" = the model's (meta().crop.detector: none for pre-cropped
/// models), or mtcnn | haar | yunet | none.
using FaceDetection = detect::DetectRequest;

/// One face of a photo.
struct DetectedFace {
  float x = 0, y = 0, width = 0, height = 0;  ///< box in photo pixels (MTCNN's are real-valued)
  float score = 1;  ///< detector score (MTCNN, YuNet: [0, 1]; Haar: cascade level weight)
  bool has_landmarks = false;
  /// x, y of the image-left eye, the other eye, the nose, the image-left mouth corner, the other (MTCNN, YuNet)
  std::array<float, 10> landmarks{};
  Embedding embedding;
};

class Embedder {
 public:
  /// Throws facenet::Error naming `model_path` when it is missing, of another kind or corrupt.
  /// `dtype` is runtime.inference_dtype: bf16 (or auto) embeds in bf16 on CPUs with native bf16
  /// (cosine >= 0.999 to fp32 on LFW faces); bf16 on a CPU without it is a ConfigError.
  /// `stated`: how to feed a foreign ONNX model (no facenet metadata: insightface's, SFace), when
  /// no sidecar `<model>.preprocess.json` says it (infer/foreign.h).
  explicit Embedder(const std::string& model_path, InferenceDtype dtype = InferenceDtype::FP32,
                    const infer::PreprocessStatement& stated = {});
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
