#include "facenet/infer/int8_model.h"

#include <ATen/Context.h>

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

#include "facenet/core/error.h"

namespace facenet::infer {
namespace {

constexpr const char* kFormat = "facenet-cpp int8 v1";

std::vector<std::string> names(const nlohmann::json& j, const char* key) {
  std::vector<std::string> out;
  for (const auto& v : j.at(key)) out.push_back(v.get<std::string>());
  return out;
}

}  // namespace

std::string int8_record_to_json(const Int8Record& r) {
  nlohmann::json j{{"format", kFormat},
                   {"engine", r.engine},
                   {"observer", r.observer},
                   {"calibration_images", r.calibration_images},
                   {"skipped_images", r.skipped_images},
                   {"calibration_dir", r.calibration_dir},
                   {"int8_ops", r.int8_ops},
                   {"fp32_ops", r.fp32_ops},
                   {"source", r.source},
                   {"fp32_threshold", r.fp32_threshold}};
  return j.dump(2);
}

Int8Record int8_record_from_json(const std::string& text, const std::string& origin) {
  try {
    const auto j = nlohmann::json::parse(text);
    if (!j.is_object() || j.value("format", "") != kFormat)
      throw Error("not an int8 record (format is not '" + std::string(kFormat) + "')");
    Int8Record r;
    r.engine = j.at("engine").get<std::string>();
    if (r.engine != kInt8Engine) throw Error("engine: unknown quantized engine '" + r.engine + "'");
    r.observer = j.at("observer").get<std::string>();
    r.calibration_images = j.at("calibration_images").get<int64_t>();
    r.skipped_images = j.value("skipped_images", int64_t{0});
    r.calibration_dir = j.value("calibration_dir", "");
    r.int8_ops = names(j, "int8_ops");
    r.fp32_ops = names(j, "fp32_ops");
    r.source = j.value("source", "");
    r.fp32_threshold = j.value("fp32_threshold", 0.0);
    return r;
  } catch (const Error& e) {
    throw Error("'" + origin + "': " + e.what());
  } catch (const std::exception& e) {
    throw Error("'" + origin + "' is not a valid int8 record: " + std::string(e.what()).substr(0, 200));
  }
}

std::string quantized_engines() {
  std::string out;
  for (auto e : at::globalContext().supportedQEngines()) {
    if (e == at::QEngine::NoQEngine) continue;
    auto name = c10::toString(e);  // "ONEDNN" -> "onednn", as kInt8Engine spells it
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out += (out.empty() ? "" : ", ") + name;
  }
  return out.empty() ? "none" : out;
}

void use_int8_engine(const std::string& what) {
  const auto& engines = at::globalContext().supportedQEngines();
  if (std::find(engines.begin(), engines.end(), at::QEngine::ONEDNN) == engines.end())
    throw Error(what + ": int8 needs LibTorch's quantized engine '" + std::string(kInt8Engine) +
                "', which this build does not have (it has: " + quantized_engines() + ")");
  at::globalContext().setQEngine(at::QEngine::ONEDNN);
}

}  // namespace facenet::infer
