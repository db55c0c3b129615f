#include "facenet/infer/meta.h"

#include <torch/types.h>  // preprocess.h needs it; also selects the PCH

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "facenet/core/error.h"
#include "facenet/data/preprocess.h"
#include "facenet/checkpoint/checkpoint.h"

namespace facenet::infer {
namespace {

constexpr const char* kFormat = "facenet-cpp export v1";

template <class E>
E enum_from(const nlohmann::json& j, const char* key, std::initializer_list<E> values) {
  const auto text = j.at(key).get<std::string>();
  for (E v : values)
    if (to_string(v) == text) return v;
  throw Error(std::string(key) + ": unknown value '" + text + "'");
}

}  // namespace

std::string meta_to_json(const ExportMeta& m) {
  nlohmann::json j{{"format", kFormat},
                   {"backbone", to_string(m.backbone)},
                   {"embedding_size", m.embedding_size},
                   {"input_size", m.input_size},
                   {"preprocess", m.preprocess},
                   {"threshold", m.threshold},
                   {"far_target", m.far_target},
                   {"distance", to_string(m.distance)},
                   {"source", m.source},
                   {"crop", {{"rule", to_string(m.crop.rule)},
                             {"margin", m.crop.margin},
                             {"detector", to_string(m.crop.detector)}}}};
  if (!m.foreign.empty()) j["foreign"] = m.foreign;  // only then: facenet's exports keep their bytes
  return j.dump(2);
}

ExportMeta meta_from_json(const std::string& text, const std::string& origin) {
  try {
    const auto j = nlohmann::json::parse(text);
    if (j.value("format", "") != kFormat) throw Error("not a facenet export record (format is not '" + std::string(kFormat) + "')");
    ExportMeta m;
    m.backbone = enum_from(j, "backbone",
                           {Backbone::MobileNet, Backbone::InceptionResNetV1, Backbone::IResNet18, Backbone::IResNet34,
                            Backbone::IResNet50, Backbone::IResNet100, Backbone::IResNet200, Backbone::MobileFaceNet});
    m.embedding_size = j.at("embedding_size");
    m.input_size = j.at("input_size");
    m.preprocess = j.at("preprocess").get<PreprocessConfig>();
    m.threshold = j.at("threshold");
    m.far_target = j.value("far_target", 1e-3);
    m.distance = enum_from(j, "distance", {Distance::L2, Distance::L2Squared, Distance::Cosine});
    m.source = j.value("source", "");
    m.foreign = j.value("foreign", "");
    if (j.contains("crop")) {
      const auto& c = j.at("crop");
      m.crop.rule = enum_from(c, "rule", {CropRule::None, CropRule::Margin, CropRule::FacenetPytorch, CropRule::FivePoint});
      m.crop.margin = c.value("margin", int64_t{32});
      m.crop.detector = enum_from(c, "detector", {FaceDetector::None, FaceDetector::Haar, FaceDetector::YuNet, FaceDetector::Mtcnn});
    }
    return m;
  } catch (const std::exception& e) {
    throw Error("'" + origin + "': bad facenet metadata: " + error_message(e));
  }
}

ExportMeta meta_from_checkpoint(const Checkpoint& checkpoint) {
  const auto& info = checkpoint.info();
  ExportMeta m;
  m.backbone = info.config.model.backbone;
  m.embedding_size = info.config.model.embedding_size;
  m.preprocess = info.config.data.preprocess;
  m.input_size = m.preprocess.image_size;
  m.threshold = info.state.threshold_at_far;
  m.far_target = info.config.eval.far_target;
  m.distance = info.config.eval.distance;
  m.source = checkpoint.path();
  m.crop = info.config.data.crop;
  return m;
}

double embedding_distance(const float* a, const float* b, int64_t size, Distance distance) {
  double sq = 0, dot = 0, na = 0, nb = 0;
  for (int64_t i = 0; i < size; ++i) {
    const double d = double(a[i]) - b[i];
    sq += d * d;
    dot += double(a[i]) * b[i];
    na += double(a[i]) * a[i];
    nb += double(b[i]) * b[i];
  }
  switch (distance) {
    case Distance::L2: return std::sqrt(sq);
    case Distance::L2Squared: return sq;
    case Distance::Cosine:  // angular distance in [0, 1], as the evaluator computes it
      return std::acos(std::clamp(dot / std::max(std::sqrt(na * nb), 1e-12), -1.0, 1.0)) / M_PI;
  }
  return std::sqrt(sq);
}

}  // namespace facenet::infer
