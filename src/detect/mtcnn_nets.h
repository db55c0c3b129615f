#pragma once
// MTCNN's three networks as facenet-pytorch's PNet, RNet and ONet modules compute them, over the
// tensors of its weight files (private to src/detect).
#include <torch/types.h>

#include <map>
#include <string>

namespace facenet::detect {

using Weights = std::map<std::string, torch::Tensor>;

/// `net` ("pnet", "rnet" or "onet") from dir/<net>.pt, every tensor's name and shape checked (and
/// the file's digest where the folder lists one). Throws facenet::Error naming the file.
Weights load_weights(const std::string& dir, const std::string& net);

struct PNetOut {
  torch::Tensor reg, prob;  // (N, 4, H, W), (N, 2, H, W)
};
PNetOut pnet(const Weights& w, torch::Tensor x);

struct RNetOut {
  torch::Tensor reg, prob;  // (n, 4), (n, 2)
};
RNetOut rnet(const Weights& w, torch::Tensor x);

struct ONetOut {
  torch::Tensor reg, points, prob;  // (n, 4), (n, 10), (n, 2)
};
ONetOut onet(const Weights& w, torch::Tensor x);

}  // namespace facenet::detect
