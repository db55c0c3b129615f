#include "facenet/infer/embedder.h"

#include <torch/torch.h>

#include <opencv2/core.hpp>

#include "facenet/core/error.h"
#include "facenet/data/image_io.h"
#include "facenet/data/preprocess.h"
#include "facenet/infer/network_loader.h"

namespace facenet {

struct Embedder::Impl {
  infer::LoadedNetwork net;
};

Embedder::Embedder(const std::string& model_path)
    : impl_(std::make_unique<Impl>(Impl{infer::load_network(model_path)})) {}
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
