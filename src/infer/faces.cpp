#include "facenet/infer/faces.h"

#include <spdlog/spdlog.h>
#include <torch/torch.h>

#include <chrono>

#include "facenet/core/error.h"
#include "facenet/data/image_io.h"
#include "facenet/data/preprocess.h"
#include "facenet/detect/crop.h"
#include "facenet/infer/network_loader.h"
#include "face_batches.h"

namespace facenet::infer {

FacePlan face_plan(const ExportMeta& meta, const detect::DetectRequest& o) {
  FacePlan plan;
  plan.crop = meta.crop;
  plan.detect.detector = o.detector.empty() ? meta.crop.detector : detect::parse_detector(o.detector);
  detect::apply_request(o, plan.detect);
  if (plan.detect.detector == FaceDetector::None) {
    plan.crop.rule = CropRule::None;
  } else if (plan.crop.rule == CropRule::None) {
    plan.crop.rule = CropRule::Margin;  // a model trained on crops: davidsandberg's box + margin
  }
  plan.crop.detector = plan.detect.detector;
  return plan;
}

PhotoFaces embed_photo_faces(const LoadedNetwork& net, const std::vector<std::string>& paths, const FacePlan& plan,
                             int64_t batch_size, const std::string& tag) {
  PhotoFaces out;
  detect::FaceFinder finder(plan.detect);
  FaceBatches batches(net, plan, batch_size);
  const auto start = std::chrono::steady_clock::now();
  auto last = start;
  const auto total = static_cast<int64_t>(paths.size());
  for (int64_t i = 0; i < total; ++i) {
    cv::Mat img;
    std::string reason;
    if (!data::read_image(paths[i], img, &reason)) {
      spdlog::warn("[{}] skipping '{}': {}", tag, paths[i], reason);
      ++out.unreadable;
      continue;
    }
    const auto faces = finder.detect(img);
    if (faces.empty()) {
      spdlog::warn("[{}] no face in '{}'", tag, paths[i]);
      ++out.without_face;
    }
    for (size_t k = 0; k < faces.size(); ++k) {
      batches.add(img, faces[k]);
      out.photo.push_back(i);
      out.index.push_back(static_cast<int64_t>(k));
      out.faces.push_back(faces[k]);
    }
    const auto now = std::chrono::steady_clock::now();
    if (now - last > std::chrono::seconds(5) || i + 1 == total) {
      last = now;
      const double secs = std::chrono::duration<double>(now - start).count();
      const double rate = secs > 0 ? (i + 1) / secs : 0;
      spdlog::info("[{}] {}/{} photos, {} faces, {:.1f} photos/s, ETA {:.0f} s", tag, i + 1, total, out.faces.size(),
                   rate, rate > 0 ? (total - i - 1) / rate : 0.0);
    }
  }
  out.embeddings = batches.finish();
  if (out.without_face || out.unreadable)
    spdlog::info("[{}] {} photos: {} faces, {} without a face, {} unreadable", tag, total, out.faces.size(),
                 out.without_face, out.unreadable);
  return out;
}

}  // namespace facenet::infer
