#include "facenet/tasks/verify.h"

#include <opencv2/core.hpp>

#include "facenet/core/error.h"
#include "facenet/data/image_io.h"
#include "facenet/infer/embedder.h"
#include "facenet/infer/faces.h"

namespace facenet::tasks {

VerifyResult run_verify(const VerifyOptions& o) {
  auto detect = o.detect;
  detect.largest = true;
  const double threshold = o.threshold;
  if (threshold < 0) throw ConfigError("verify --threshold: must be > 0 (got " + std::to_string(threshold) + ")");
  const Embedder embedder(o.model, o.dtype, o.preprocess);
  const auto plan = infer::face_plan(embedder.meta(), detect);
  VerifyResult r;
  r.detector = to_string(plan.detect.detector);
  auto face_of = [&](const std::string& path, std::array<float, 4>& box, float& score) {
    cv::Mat image;
    data::read_image_or_throw(path, image);
    const auto faces = embedder.embed_faces(image, detect);
    if (faces.empty()) throw Error("verify: no face found in '" + path + "' (detector " + r.detector + ")");
    box = {faces[0].x, faces[0].y, faces[0].width, faces[0].height};
    score = faces[0].score;
    return faces[0].embedding;
  };
  const auto a = face_of(o.image_a, r.box_a, r.score_a);
  const auto b = face_of(o.image_b, r.box_b, r.score_b);
  const auto c = embedder.compare(a, b);
  r.distance = c.distance;
  r.threshold = threshold > 0 ? threshold : embedder.threshold();
  r.same = threshold > 0 ? c.distance < threshold : c.same;
  r.distance_name = to_string(embedder.meta().distance);
  return r;
}

}  // namespace facenet::tasks
