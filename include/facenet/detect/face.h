#pragma once
// A face found in a photo: its box, the detector's confidence and, where the detector gives them,
// five landmarks.
#include <array>
#include <vector>

#include <opencv2/core.hpp>

namespace facenet::detect {

/// Five points in image order: the eye on the image's left, the other eye, the nose tip, the
/// mouth corner on the image's left, the other mouth corner (MTCNN's and YuNet's order, and the
/// order of insightface's ArcFace template).
using Landmarks = std::array<cv::Point2f, 5>;

struct Face {
  /// x, y, width, height in image pixels. MTCNN's boxes are real-valued and may reach outside the
  /// image (facenet-pytorch's x1, y1, x2, y2 = x, y, x + width, y + height); Haar's and YuNet's
  /// are whole pixels inside it.
  cv::Rect2f box;
  /// mtcnn: O-Net's face probability in [0, 1]; yunet: its score in [0, 1]; haar: the cascade's
  /// level weight (detectMultiScale3 levelWeights: higher = more confident, typically 0..10, not a
  /// probability); none: 1.
  float score = 1;
  bool has_landmarks = false;  ///< mtcnn and yunet
  Landmarks landmarks{};
};

/// Intersection over union of two boxes (0 when either is empty).
float iou(const cv::Rect2f& a, const cv::Rect2f& b);

/// The face a one-face-per-photo task keeps, as davidsandberg's align_dataset_mtcnn picks it: the
/// largest area less twice the squared distance of the box centre from the image centre (big and
/// central: the subject of an LFW photo rather than a larger face at its edge). The index into
/// `faces`, the first of equals; -1 when there is none.
int central_face(const std::vector<Face>& faces, cv::Size image);

}  // namespace facenet::detect
