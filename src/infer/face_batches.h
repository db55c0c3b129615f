#pragma once
// Face crops gathered into forward passes of the network (private to src/infer): what embedding
// the faces of photos and of video frames share.
#include <torch/torch.h>

#include <algorithm>
#include <cstdint>
#include <vector>

#include <opencv2/core.hpp>

#include "facenet/data/preprocess.h"
#include "facenet/detect/crop.h"
#include "facenet/infer/faces.h"
#include "facenet/infer/network_loader.h"

namespace facenet::infer {

class FaceBatches {
 public:
  FaceBatches(const LoadedNetwork& net, const FacePlan& plan, int64_t batch_size)
      : net_(net), plan_(plan), batch_(std::max<int64_t>(1, batch_size)) {}

  /// Crops `face` from `bgr` by the plan's rule at the network's input size; embeds when a batch is full.
  void add(const cv::Mat& bgr, const detect::Face& face) {
    const auto crop = detect::crop_face(bgr, face, plan_.crop, static_cast<int>(net_.meta.input_size));
    pending_.push_back(data::preprocess_image(crop, net_.meta.preprocess));
    if (static_cast<int64_t>(pending_.size()) >= batch_) flush();
  }

  /// Every added face's embedding, in order: (faces, D) float32.
  torch::Tensor finish() {
    flush();
    return parts_.empty() ? torch::zeros({0, net_.meta.embedding_size}) : torch::cat(parts_).contiguous();
  }

 private:
  void flush() {
    if (pending_.empty()) return;
    parts_.push_back(net_.forward(torch::stack(pending_)).to(torch::kFloat).contiguous());
    pending_.clear();
  }

  const LoadedNetwork& net_;
  const FacePlan& plan_;
  int64_t batch_;
  std::vector<torch::Tensor> pending_, parts_;
};

}  // namespace facenet::infer
