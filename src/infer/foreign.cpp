#include "facenet/infer/foreign.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>

#include "facenet/core/error.h"

namespace facenet::infer {
namespace fs = std::filesystem;
namespace {

// Bounds that keep a typo (or a fuzzer) from asking for gigabyte input tensors.
constexpr int64_t kMaxInputSize = 4096;
constexpr int64_t kMaxMargin = 4096;

template <class E>
E enum_value(const YAML::Node& n, std::initializer_list<E> values) {
  if (!n.IsScalar()) throw Error("expected one of " + [&] {
    std::string names;
    for (E v : values) names += (names.empty() ? "" : ", ") + to_string(v);
    return names;
  }());
  const auto text = n.as<std::string>();
  std::string names;
  for (E v : values) {
    if (to_string(v) == text) return v;
    names += (names.empty() ? "" : ", ") + to_string(v);
  }
  throw Error("unknown value '" + text + "' (expected " + names + ")");
}

double number(const YAML::Node& n) {
  if (!n.IsScalar()) throw Error("expected a number");
  double v = 0;
  try {
    v = n.as<double>();
  } catch (const YAML::Exception&) {
    throw Error("expected a number (got '" + n.Scalar() + "')");
  }
  if (!std::isfinite(v)) throw Error("expected a finite number");
  return v;
}

int64_t integer(const YAML::Node& n, int64_t lo, int64_t hi) {
  if (!n.IsScalar()) throw Error("expected an integer");
  int64_t v = 0;
  try {
    v = n.as<int64_t>();
  } catch (const YAML::Exception&) {
    throw Error("expected an integer (got '" + n.Scalar() + "')");
  }
  if (v < lo || v > hi) throw Error(fmt::format("must be in [{}, {}] (got {})", lo, hi, v));
  return v;
}

/// One number (every channel) or a list of 1 or 3.
std::vector<double> channels(const YAML::Node& n) {
  if (n.IsScalar()) return {number(n)};
  if (!n.IsSequence()) throw Error("expected a number or a list of 3 numbers");
  if (n.size() != 1 && n.size() != 3)
    throw Error(fmt::format("expected 1 or 3 values (got {})", n.size()));
  std::vector<double> out;
  for (const auto& item : n) out.push_back(number(item));
  return out;
}

using Setter = std::function<void(PreprocessStatement&, const YAML::Node&)>;

const std::vector<std::pair<std::string, Setter>>& keys() {
  static const std::vector<std::pair<std::string, Setter>> table{
      {"input_size", [](auto& s, const auto& n) { s.input_size = integer(n, 1, kMaxInputSize); }},
      {"mean", [](auto& s, const auto& n) { s.mean = channels(n); }},
      {"std",
       [](auto& s, const auto& n) {
         s.std_dev = channels(n);
         for (double v : s.std_dev)
           if (v <= 0) throw Error("must be > 0");
       }},
      {"channel_order",
       [](auto& s, const auto& n) { s.channel_order = enum_value(n, {ChannelOrder::RGB, ChannelOrder::BGR}); }},
      {"crop",
       [](auto& s, const auto& n) {
         s.crop = enum_value(n, {CropRule::FivePoint, CropRule::Margin, CropRule::FacenetPytorch, CropRule::None});
       }},
      {"margin", [](auto& s, const auto& n) { s.margin = integer(n, 0, kMaxMargin); }},
      {"detector",
       [](auto& s, const auto& n) {
         s.detector = enum_value(n, {FaceDetector::Mtcnn, FaceDetector::YuNet, FaceDetector::Haar, FaceDetector::None});
       }},
      {"resize", [](auto& s, const auto& n) { s.resize = enum_value(n, {ResizeMode::Resize, ResizeMode::Letterbox}); }},
      {"distance",
       [](auto& s, const auto& n) { s.distance = enum_value(n, {Distance::L2, Distance::L2Squared, Distance::Cosine}); }},
      {"threshold",
       [](auto& s, const auto& n) {
         s.threshold = number(n);
         if (*s.threshold < 0) throw Error("must be >= 0");
       }},
  };
  return table;
}

std::string key_list() {
  std::string names;
  for (const auto& [name, set] : keys()) names += (names.empty() ? "" : ", ") + name;
  return names;
}

/// "--a", "--a and --b", "--a, --b and --c".
std::string listed(const std::vector<std::string>& items) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i)
    out += (i == 0 ? "" : i + 1 == items.size() ? " and " : ", ") + items[i];
  return out;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("preprocess sidecar '" + path + "' cannot be read");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

bool PreprocessStatement::empty() const {
  return !input_size && mean.empty() && std_dev.empty() && !channel_order && !crop && !margin && !detector && !resize &&
         !distance && !threshold && file.empty();
}

PreprocessStatement parse_preprocess_statement(const std::string& text, const std::string& origin) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw Error(fmt::format("'{}': not YAML or JSON (line {}: {})", origin, e.mark.line + 1, e.msg));
  }
  if (!root.IsMap())
    throw Error("'" + origin + "': expected a map of preprocessing keys (" + key_list() + ")");
  PreprocessStatement s;
  for (const auto& kv : root) {
    if (!kv.first.IsScalar()) throw Error("'" + origin + "': a key is not a name");
    const auto key = kv.first.Scalar();
    const Setter* set = nullptr;
    for (const auto& [name, setter] : keys())
      if (name == key) set = &setter;
    if (!set) throw Error("'" + origin + "': unknown key '" + key + "' (known: " + key_list() + ")");
    try {
      (*set)(s, kv.second);
    } catch (const Error& e) {
      throw Error("'" + origin + "': " + key + ": " + error_message(e));
    }
  }
  if (s.input_size) s.size_origin = "'" + origin + "'";
  return s;
}

std::string sidecar_path(const std::string& model_path) { return model_path + ".preprocess.json"; }

PreprocessStatement with_sidecar(const PreprocessStatement& stated, const std::string& model_path) {
  std::string file = stated.file;
  if (file.empty())
    for (const char* ext : {".preprocess.json", ".preprocess.yaml", ".preprocess.yml"})
      if (fs::is_regular_file(model_path + ext)) {
        file = model_path + ext;
        break;
      }
  if (file.empty()) return stated;
  auto s = parse_preprocess_statement(read_text(file), file);
  s.file = file;
  // A flag wins over the file's key.
  if (stated.input_size) s.input_size = stated.input_size, s.size_origin = stated.size_origin;
  if (!stated.mean.empty()) s.mean = stated.mean;
  if (!stated.std_dev.empty()) s.std_dev = stated.std_dev;
  if (stated.channel_order) s.channel_order = stated.channel_order;
  if (stated.crop) s.crop = stated.crop;
  if (stated.margin) s.margin = stated.margin;
  if (stated.detector) s.detector = stated.detector;
  if (stated.resize) s.resize = stated.resize;
  if (stated.distance) s.distance = stated.distance;
  if (stated.threshold) s.threshold = stated.threshold;
  return s;
}

ExportMeta resolve_foreign(const PreprocessStatement& s, int64_t model_side, int64_t embedding_size,
                           const std::string& model_path) {
  const auto name = "'" + model_path + "'";
  std::vector<std::string> flags, keys_missing;
  auto need = [&](bool stated, const char* flag, const char* key) {
    if (stated) return;
    flags.emplace_back(flag);
    keys_missing.emplace_back(key);
  };
  need(s.input_size || model_side > 0, "--input-size", "input_size");
  need(!s.mean.empty(), "--input-mean", "mean");
  need(!s.std_dev.empty(), "--input-std", "std");
  need(s.channel_order.has_value(), "--channel-order", "channel_order");
  need(s.crop.has_value(), "--crop", "crop");
  if (!flags.empty()) {
    if (s.empty())
      throw Error(name + " has no facenet metadata: state its preprocessing with " + listed(flags) +
                  ", or a sidecar '" + sidecar_path(model_path) + "' (README: Running foreign ONNX face models)");
    throw Error(name + " has no facenet metadata and its stated preprocessing lacks " + listed(flags) +
                (s.file.empty() ? "" : " (sidecar '" + s.file + "' keys " + listed(keys_missing) + ")"));
  }
  const int64_t side = s.input_size ? *s.input_size : model_side;
  if (model_side > 0 && side != model_side)
    throw Error(fmt::format("{}: the stated input_size {} ({}) disagrees with the model's input size {}", name, side,
                            s.size_origin.empty() ? "--input-size" : "sidecar " + s.size_origin, model_side));
  ExportMeta m;
  m.embedding_size = embedding_size;
  m.input_size = side;
  m.preprocess.image_size = side;
  m.preprocess.resize = s.resize.value_or(ResizeMode::Resize);
  m.preprocess.channel_order = *s.channel_order;
  m.preprocess.mean = s.mean;
  m.preprocess.std_dev = s.std_dev;
  if (const auto problem = mean_std_problem(m.preprocess); !problem.empty()) throw Error(name + ": " + problem);
  m.crop.rule = *s.crop;
  m.crop.margin = s.margin.value_or(m.crop.margin);
  // crop none: the images are face crops, whatever detector a sidecar names (--crop none over
  // an insightface sidecar embeds aligned crops).
  m.crop.detector = m.crop.rule == CropRule::None ? FaceDetector::None : s.detector.value_or(FaceDetector::Mtcnn);
  if (m.crop.rule != CropRule::None && m.crop.detector == FaceDetector::None)
    throw Error(name + ": crop " + to_string(m.crop.rule) + " needs a detector (mtcnn, yunet or haar), not none");
  if (m.crop.rule == CropRule::FivePoint && m.crop.detector == FaceDetector::Haar)
    throw Error(name + ": crop 5point needs the 5 landmarks of detector mtcnn or yunet (got haar)");
  m.distance = s.distance.value_or(Distance::L2);
  m.threshold = s.threshold.value_or(0.0);
  m.source = model_path;
  m.foreign = "foreign ONNX model, preprocessing stated " +
              (s.file.empty() ? std::string("by flags") : "in '" + s.file + "'");
  return m;
}

}  // namespace facenet::infer
