#pragma once
// MTCNN (Zhang et al. 2016) as facenet-pytorch's MTCNN.detect() runs it: P-Net over a scale
// pyramid (min face 20 px, factor 0.709, area resampling), NMS 0.5 within a scale and 0.7 across
// scales, R-Net on 24x24 crops (threshold 0.7, NMS 0.7), O-Net on 48x48 crops (threshold 0.7,
// five landmarks, NMS 0.7 with the Min overlap), with box regression and squaring between the
// stages. Images are RGB for the networks (BGR is converted); the weights are facenet-pytorch's
// pnet.pt, rnet.pt and onet.pt state dicts, shipped in models/mtcnn/.
#include <array>
#include <memory>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "facenet/detect/face.h"

namespace facenet::detect {

struct MtcnnOptions {
  int min_face_size = 20;
  std::array<float, 3> thresholds{0.6f, 0.7f, 0.7f};
  float factor = 0.709f;
  /// The folder with pnet.pt, rnet.pt and onet.pt ("" = default_mtcnn_dir()).
  std::string weights_dir;
};

/// Where the weights are by default: $FACENET_MTCNN_DIR when set, else shipped_mtcnn_dir().
std::string default_mtcnn_dir();

/// The models/mtcnn folder of the source tree this program was built from.
std::string shipped_mtcnn_dir();

class Mtcnn {
 public:
  /// Loads and checks the three weight files (against the folder's CRC32C list where it has one,
  /// as models/mtcnn does). Throws facenet::Error naming the expected path of a missing file, or
  /// the file (and the tensor) of a damaged or mismatched one.
  explicit Mtcnn(const MtcnnOptions& options = {});
  ~Mtcnn();
  Mtcnn(Mtcnn&&) noexcept;
  Mtcnn& operator=(Mtcnn&&) noexcept;

  /// Faces of each image (8-bit, 1, 3 or 4 channels, BGR order), in facenet-pytorch's order
  /// before its select_largest sort (the O-Net NMS order: most probable first). Images of the same
  /// size go through the cascade as one batch.
  std::vector<std::vector<Face>> detect(const std::vector<cv::Mat>& bgr) const;
  std::vector<Face> detect(const cv::Mat& bgr) const;

  const MtcnnOptions& options() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace facenet::detect
