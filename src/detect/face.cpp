#include "facenet/detect/face.h"

namespace facenet::detect {

float iou(const cv::Rect2f& a, const cv::Rect2f& b) {
  const float inter = (a & b).area();
  const float uni = a.area() + b.area() - inter;
  return uni > 0 ? inter / uni : 0.0f;
}

int central_face(const std::vector<Face>& faces, cv::Size image) {
  // align_dataset_mtcnn.py: argmax(bounding_box_size - offset_dist_squared * 2.0).
  int best = -1;
  double best_value = 0;
  for (size_t i = 0; i < faces.size(); ++i) {
    const auto& b = faces[i].box;
    const double dx = b.x + b.width / 2.0 - image.width / 2.0, dy = b.y + b.height / 2.0 - image.height / 2.0;
    const double value = static_cast<double>(b.width) * b.height - 2.0 * (dx * dx + dy * dy);
    if (best < 0 || value > best_value) {
      best = static_cast<int>(i);
      best_value = value;
    }
  }
  return best;
}

}  // namespace facenet::detect
