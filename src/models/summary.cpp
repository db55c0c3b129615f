#include "facenet/models/summary.h"

#include <fmt/format.h>
#include <torch/types.h>

#include <algorithm>
#include <array>
#include <sstream>

#include "facenet/core/error.h"
#include "facenet/models/facenet.h"
#include "facenet/models/graph.h"

namespace facenet::models {
namespace {

std::vector<int64_t> shape_of(const torch::Tensor& t) { return t.sizes().vec(); }

std::string shape_text(const std::vector<int64_t>& s) {
  std::string out = "[";
  for (size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
  return out + "]";
}

}  // namespace

std::string with_thousands(int64_t n) {
  std::string digits = std::to_string(n < 0 ? -n : n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return n < 0 ? "-" + out : out;
}

ModelSummary summarize(FaceNetImpl& model, int64_t image_size) {
  if (image_size <= 0) throw ConfigError("image size must be > 0 (got " + std::to_string(image_size) + ")");
  ModelSummary s;
  s.title = "FaceNet (" + to_string(model.backbone_kind()) + ", " + std::to_string(model.embedding_size()) + "-d)";
  s.input_shape = {1, 3, image_size, image_size};
  s.total_params = count_parameters(model);
  s.trainable_params = count_trainable_parameters(model);

  {
    const auto graph = build_graph(model);
    s.macs = count_macs(graph, image_size);
    s.ptflops = count_ptflops(graph, image_size);
  }
  const bool was_training = model.is_training();
  model.eval();
  torch::NoGradGuard no_grad;
  const auto device = model.parameters().front().device();
  auto x = torch::zeros(s.input_shape, torch::TensorOptions().device(device));
  try {
    for (const auto& stage : model.backbone().stages()) {
      x = stage.apply(x);
      s.rows.push_back({"backbone." + stage.name, stage.type, shape_of(x), count_parameters(*stage.module)});
    }
    if (model.trunk_embeds()) {  // insightface's trunks end in their own head
      s.rows.push_back({"l2_normalize", "L2Normalize", shape_of(x), 0});
      model.train(was_training);
      return s;
    }
    x = model.avgpool_1a(x);
    s.rows.push_back({"avgpool_1a", "AdaptiveAvgPool2d", shape_of(x), 0});
    x = model.dropout(x.flatten(1));
    s.rows.push_back({"dropout", "Dropout", shape_of(x), 0});
    x = model.last_linear(x);
    s.rows.push_back({"last_linear", "Linear", shape_of(x), count_parameters(*model.last_linear)});
    x = model.last_bn(x);
    s.rows.push_back({"last_bn", "BatchNorm1d", shape_of(x), count_parameters(*model.last_bn)});
    s.rows.push_back({"l2_normalize", "L2Normalize", shape_of(x), 0});
  } catch (const c10::Error& e) {
    model.train(was_training);
    throw ConfigError("input size " + std::to_string(image_size) + " is too small for " +
                      to_string(model.backbone_kind()) + ": " + e.what_without_backtrace());
  }
  model.train(was_training);
  return s;
}

std::string format_summary(const ModelSummary& s) {
  std::vector<std::array<std::string, 3>> cells;
  cells.push_back({"Layer (type)", "Output Shape", "Param #"});
  cells.push_back({"input (Input)", shape_text(s.input_shape), "0"});
  for (const auto& r : s.rows) cells.push_back({r.name + " (" + r.type + ")", shape_text(r.output_shape), with_thousands(r.params)});
  size_t w0 = 0, w1 = 0, w2 = 0;
  for (const auto& c : cells) {
    w0 = std::max(w0, c[0].size());
    w1 = std::max(w1, c[1].size());
    w2 = std::max(w2, c[2].size());
  }
  const size_t width = w0 + w1 + w2 + 6;
  std::ostringstream os;
  auto row = [&](const std::array<std::string, 3>& c) {
    os << c[0] << std::string(w0 - c[0].size() + 3, ' ') << c[1] << std::string(w1 - c[1].size() + 3, ' ')
       << std::string(w2 - c[2].size(), ' ') << c[2] << "\n";
  };
  os << s.title << "\n" << std::string(width, '=') << "\n";
  row(cells[0]);
  os << std::string(width, '=') << "\n";
  for (size_t i = 1; i < cells.size(); ++i) row(cells[i]);
  os << std::string(width, '=') << "\n";
  os << "Total params: " << with_thousands(s.total_params) << "\n";
  os << "Trainable params: " << with_thousands(s.trainable_params) << "\n";
  os << "Non-trainable params: " << with_thousands(s.total_params - s.trainable_params) << "\n";
  if (s.macs > 0)
    os << fmt::format("Multiply-adds: {:.3f} G per image (convolutions and linear layers); {:.3f} G as published "
                      "tables count \"FLOPs\" (ptflops: + BatchNorm, activations, biases)\n",
                      s.macs / 1e9, s.ptflops / 1e9);
  os << std::string(width, '=') << "\n";
  return os.str();
}

std::string summary_text(const ModelConfig& config, int64_t image_size) {
  auto model = make_model(config);
  return format_summary(summarize(*model, image_size));
}

}  // namespace facenet::models
