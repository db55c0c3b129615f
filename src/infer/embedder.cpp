#include "facenet/infer/embedder.h"

#include <torch/torch.h>

#include <opencv2/core.hpp>

#include "facenet/core/error.h"
#include "facenet/data/image_io.h"
#include "facenet/data/preprocess.h"
#include "facenet/detect/crop.h"
#include "facenet/detect/detector.h"
#include "facenet/infer/faces.h"
#include "facenet/infer/network_loader.h"

namespace facenet {

struct Embedder::Impl {
  infer::LoadedNetwork net;
  // The detector of the last embed_faces call, kept while the same detection is asked for.
  std::unique_ptr<detect::FaceFinder> finder;
  std::string finder_key;
};

Embedder::Embedder(const std::string& model_path, InferenceDtype dtype, const infer::PreprocessStatement& stated)
    : impl_(std::make_unique<Impl>()) {
  impl_->net = infer::load_network(model_path, dtype, stated);
}
Embedder::~Embedder() = default;
Embedder::Embedder(Embedder&&) noexcept = default;
Embedder& Embedder::operator=(Embedder&&) noexcept = default;

std::vector<Embedding> Embedder::embed(const std::vector<cv::Mat>& bgr) const {
  if (bgr.empty()) return {};
  std::vector<torch::Tensor> inputs;
  for (const auto& image : bgr) {
    if (image.empty() || image.type() != CV_8UC3) throw Error("Embedder::embed: expected non-empty 8-bit BGR images");
    inputs.push_back(data::preprocess_image(image, impl_->net.meta.preprocess));
  }
  const auto out = impl_->net.forward(torch::stack(inputs)).to(torch::kFloat).contiguous();
  std::vector<Embedding> result;
  for (int64_t i = 0; i < out.size(0); ++i) result.emplace_back(out[i].data_ptr<float>(), out[i].data_ptr<float>() + out.size(1));
  return result;
}

Embedding Embedder::embed(const cv::Mat& bgr) const { return embed(std::vector<cv::Mat>{bgr}).front(); }

Embedding Embedder::embed_file(const std::string& path) const {
  cv::Mat image;
  data::read_image_or_throw(path, image);
  return embed(image);
}

std::vector<DetectedFace> Embedder::embed_faces(const cv::Mat& bgr, const FaceDetection& d) const {
  if (bgr.empty() || bgr.type() != CV_8UC3) throw Error("Embedder::embed_faces: expected a non-empty 8-bit BGR image");
  const auto plan = infer::face_plan(impl_->net.meta, d);
  std::string key = to_string(plan.detect.detector) + "|" + d.model + "|" + std::to_string(d.min_face) + "|" +
                    (d.largest ? "1" : "0") + (d.haar_fallback ? "1" : "0");
  for (float t : d.thresholds) key += "|" + std::to_string(t);
  if (!impl_->finder || impl_->finder_key != key) {
    impl_->finder = std::make_unique<detect::FaceFinder>(plan.detect);
    impl_->finder_key = key;
  }
  const auto faces = impl_->finder->detect(bgr);
  std::vector<cv::Mat> crops;
  for (const auto& f : faces) crops.push_back(detect::crop_face(bgr, f, plan.crop, static_cast<int>(impl_->net.meta.input_size)));
  const auto emb = embed(crops);
  std::vector<DetectedFace> out;
  for (size_t i = 0; i < faces.size(); ++i) {
    DetectedFace r;
    r.x = faces[i].box.x;
    r.y = faces[i].box.y;
    r.width = faces[i].box.width;
    r.height = faces[i].box.height;
    r.score = faces[i].score;
    r.has_landmarks = faces[i].has_landmarks;
    for (int k = 0; k < 5; ++k) {
      r.landmarks[2 * k] = faces[i].landmarks[k].x;
      r.landmarks[2 * k + 1] = faces[i].landmarks[k].y;
    }
    r.embedding = emb[i];
    out.push_back(std::move(r));
  }
  return out;
}

Comparison Embedder::compare(const Embedding& a, const Embedding& b) const {
  if (a.size() != b.size() || a.empty())
    throw Error("Embedder::compare: embeddings of sizes " + std::to_string(a.size()) + " and " +
                std::to_string(b.size()));
  Comparison c;
  c.distance = infer::embedding_distance(a.data(), b.data(), static_cast<int64_t>(a.size()), meta().distance);
  c.same = c.distance < threshold();
  return c;
}

int64_t Embedder::embedding_size() const { return impl_->net.meta.embedding_size; }
double Embedder::threshold() const { return impl_->net.meta.threshold; }
const infer::ExportMeta& Embedder::meta() const { return impl_->net.meta; }

}  // namespace facenet
