#include "mtcnn_nets.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include <filesystem>
#include <sstream>
#include <vector>

#include "facenet/core/crc32c.h"
#include "facenet/core/error.h"
#include "facenet/core/fs.h"
#include "facenet/core/state_dict_file.h"

namespace facenet::detect {
namespace {

struct Layer {
  const char* name;
  std::vector<int64_t> shape;
};

// Every tensor of each file, with its shape: a file that differs is refused before any use.
const std::vector<Layer>& expected_layers(const std::string& net) {
  static const std::map<std::string, std::vector<Layer>> layers{
      {"pnet",
       {{"conv1.weight", {10, 3, 3, 3}}, {"conv1.bias", {10}}, {"prelu1.weight", {10}},
        {"conv2.weight", {16, 10, 3, 3}}, {"conv2.bias", {16}}, {"prelu2.weight", {16}},
        {"conv3.weight", {32, 16, 3, 3}}, {"conv3.bias", {32}}, {"prelu3.weight", {32}},
        {"conv4_1.weight", {2, 32, 1, 1}}, {"conv4_1.bias", {2}}, {"conv4_2.weight", {4, 32, 1, 1}},
        {"conv4_2.bias", {4}}}},
      {"rnet",
       {{"conv1.weight", {28, 3, 3, 3}}, {"conv1.bias", {28}}, {"prelu1.weight", {28}},
        {"conv2.weight", {48, 28, 3, 3}}, {"conv2.bias", {48}}, {"prelu2.weight", {48}},
        {"conv3.weight", {64, 48, 2, 2}}, {"conv3.bias", {64}}, {"prelu3.weight", {64}},
        {"dense4.weight", {128, 576}}, {"dense4.bias", {128}}, {"prelu4.weight", {128}},
        {"dense5_1.weight", {2, 128}}, {"dense5_1.bias", {2}}, {"dense5_2.weight", {4, 128}},
        {"dense5_2.bias", {4}}}},
      {"onet",
       {{"conv1.weight", {32, 3, 3, 3}}, {"conv1.bias", {32}}, {"prelu1.weight", {32}},
        {"conv2.weight", {64, 32, 3, 3}}, {"conv2.bias", {64}}, {"prelu2.weight", {64}},
        {"conv3.weight", {64, 64, 3, 3}}, {"conv3.bias", {64}}, {"prelu3.weight", {64}},
        {"conv4.weight", {128, 64, 2, 2}}, {"conv4.bias", {128}}, {"prelu4.weight", {128}},
        {"dense5.weight", {256, 1152}}, {"dense5.bias", {256}}, {"prelu5.weight", {256}},
        {"dense6_1.weight", {2, 256}}, {"dense6_1.bias", {2}}, {"dense6_2.weight", {4, 256}},
        {"dense6_2.bias", {4}}, {"dense6_3.weight", {10, 256}}, {"dense6_3.bias", {10}}}}};
  return layers.at(net);
}

std::string shape_text(at::IntArrayRef sizes) {
  std::ostringstream s;
  s << sizes;
  return s.str();
}

// The shipped files are legacy torch.save pickles, which carry no checksum: a flipped byte in a
// weight would load silently. A folder's CRC32C file (lines "<crc32c hex>  <file>", shipped with
// models/mtcnn) lists their digests, checked on load.
void check_digest(const std::string& dir, const std::string& net, const std::string& path) {
  const auto list = (std::filesystem::path(dir) / "CRC32C").string();
  if (!std::filesystem::is_regular_file(list)) return;
  std::istringstream lines(read_file(list));
  for (std::string crc, file; lines >> crc >> file;) {
    if (file != net + ".pt") continue;
    const auto actual = fmt::format("{:08x}", crc32c::value(read_file(path)));
    if (actual != crc)
      throw Error("MTCNN weight file '" + path + "' is damaged: its CRC-32C is " + actual + " where " + list +
                  " lists " + crc + " (restore the shipped files with git checkout -- models/mtcnn)");
    return;
  }
}

torch::Tensor conv(const Weights& w, const std::string& name, const torch::Tensor& x) {
  return torch::conv2d(x, w.at(name + ".weight"), w.at(name + ".bias"));
}
torch::Tensor dense(const Weights& w, const std::string& name, const torch::Tensor& x) {
  return torch::linear(x, w.at(name + ".weight"), w.at(name + ".bias"));
}
torch::Tensor prelu(const Weights& w, const std::string& name, const torch::Tensor& x) {
  return torch::prelu(x, w.at(name + ".weight"));
}
torch::Tensor pool(const torch::Tensor& x, int64_t k, int64_t s) {
  return torch::max_pool2d(x, {k, k}, {s, s}, {0, 0}, {1, 1}, /*ceil_mode=*/true);
}

}  // namespace

Weights load_weights(const std::string& dir, const std::string& net) {
  const auto path = (std::filesystem::path(dir) / (net + ".pt")).string();
  if (!std::filesystem::is_regular_file(path))
    throw Error("MTCNN weight file '" + path + "' is missing (the " + net +
                " of models/mtcnn/; set FACENET_MTCNN_DIR or --detect-model to the folder that holds pnet.pt, "
                "rnet.pt and onet.pt)");
  check_digest(dir, net, path);
  NamedTensors state;
  try {
    state = read_state_dict(path);
  } catch (const Error& e) {
    throw Error("MTCNN weight file '" + path + "' is damaged: " + e.what());
  }
  Weights w;
  for (auto& [key, t] : state) w[key] = t.to(torch::kFloat).contiguous();
  for (const auto& layer : expected_layers(net)) {
    auto it = w.find(layer.name);
    if (it == w.end()) throw Error("MTCNN weight file '" + path + "' lacks the tensor '" + layer.name + "'");
    if (it->second.sizes() != at::IntArrayRef(layer.shape))
      throw Error("MTCNN weight file '" + path + "': tensor '" + layer.name + "' has shape " +
                  shape_text(it->second.sizes()) + ", expected " + shape_text(layer.shape));
    if (!torch::isfinite(it->second).all().item<bool>())
      throw Error("MTCNN weight file '" + path + "': tensor '" + layer.name + "' holds NaN or infinite values");
  }
  if (w.size() != expected_layers(net).size())
    throw Error("MTCNN weight file '" + path + "' has " + std::to_string(w.size()) + " tensors, expected " +
                std::to_string(expected_layers(net).size()) + " (is it the " + net + "?)");
  return w;
}

PNetOut pnet(const Weights& w, torch::Tensor x) {
  x = pool(prelu(w, "prelu1", conv(w, "conv1", x)), 2, 2);
  x = prelu(w, "prelu2", conv(w, "conv2", x));
  x = prelu(w, "prelu3", conv(w, "conv3", x));
  return {conv(w, "conv4_2", x), torch::softmax(conv(w, "conv4_1", x), 1)};
}

RNetOut rnet(const Weights& w, torch::Tensor x) {
  x = pool(prelu(w, "prelu1", conv(w, "conv1", x)), 3, 2);
  x = pool(prelu(w, "prelu2", conv(w, "conv2", x)), 3, 2);
  x = prelu(w, "prelu3", conv(w, "conv3", x));
  x = x.permute({0, 3, 2, 1}).contiguous();  // the Caffe weights' flattening order
  x = prelu(w, "prelu4", dense(w, "dense4", x.view({x.size(0), -1})));
  return {dense(w, "dense5_2", x), torch::softmax(dense(w, "dense5_1", x), 1)};
}

ONetOut onet(const Weights& w, torch::Tensor x) {
  x = pool(prelu(w, "prelu1", conv(w, "conv1", x)), 3, 2);
  x = pool(prelu(w, "prelu2", conv(w, "conv2", x)), 3, 2);
  x = pool(prelu(w, "prelu3", conv(w, "conv3", x)), 2, 2);
  x = prelu(w, "prelu4", conv(w, "conv4", x));
  x = x.permute({0, 3, 2, 1}).contiguous();
  x = prelu(w, "prelu5", dense(w, "dense5", x.view({x.size(0), -1})));
  return {dense(w, "dense6_2", x), dense(w, "dense6_3", x), torch::softmax(dense(w, "dense6_1", x), 1)};
}

}  // namespace facenet::detect
