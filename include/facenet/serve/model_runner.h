#pragma once
// The network of `facenet serve` and its queue: the one owner of the loaded model. Request
// threads detect and crop their faces (detection is per photo, with a pool of detectors) and
// queue the crops; one worker thread takes up to max_batch queued faces, from any number of
// requests, and runs them as one forward pass. max_batch 1 is batching off: one forward pass
// per face.
//
// The wait is adaptive: the worker waits for more faces (at most max_wait_ms after the first)
// only while some request that will queue faces is still decoding or detecting (an `Arrival`),
// and stops waiting the moment none is. A lone caller never waits; concurrent callers are
// gathered into one pass without waiting out the full max_wait_ms. Torch-free.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "facenet/detect/face.h"
#include "facenet/infer/meta.h"
#include "facenet/serve/serve_config.h"
#include "facenet/serve/store.h"

namespace cv {
class Mat;
}

namespace facenet::serve {

class Metrics;

class ModelRunner {
 public:
  /// Loads config.model (throws facenet::Error naming it) and starts the worker.
  ModelRunner(const ServeConfig& config, Metrics& metrics);
  ~ModelRunner();  ///< stop()

  const infer::ExportMeta& meta() const;
  const ModelIdentity& identity() const;
  std::string format() const;       ///< the network-format row that loaded it
  std::string detector() const;     ///< the detector faces are found with ("none": the image is the face)
  std::string crop_rule() const;

  /// A request that will queue faces, counted from its construction until its first faces are
  /// queued (embed(..., &arrival)) or it ends without any: while it is counted, the worker
  /// waits for it rather than run a smaller batch.
  class Arrival {
   public:
    explicit Arrival(const ModelRunner& runner);
    ~Arrival();  ///< counted off, if embed has not done so
    Arrival(const Arrival&) = delete;
    Arrival& operator=(const Arrival&) = delete;

   private:
    friend class ModelRunner;
    void leave();  ///< under the queue lock
    const ModelRunner& runner_;
    bool counted_ = true;
  };

  /// The faces of a BGR image, largest first, at most config.max_faces. Thread-safe.
  std::vector<detect::Face> detect(const cv::Mat& bgr) const;
  /// The unit-norm embeddings of `faces` of `bgr`, through the batching queue; `arrival`, if
  /// given, is counted off as the faces are queued. Throws HttpError 503 timeout after
  /// config.request_timeout_s, 503 shutting_down after stop().
  std::vector<std::vector<float>> embed(const cv::Mat& bgr, const std::vector<detect::Face>& faces,
                                        Arrival* arrival = nullptr) const;

  /// Finishes the queued faces and ends the worker (idempotent).
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace facenet::serve
