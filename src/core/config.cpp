// Enum spellings shared by the YAML layer, logs and reports.
#include "facenet/core/config.h"

#include <cmath>

#include "enum_names.h"

namespace facenet {

#define FACENET_ENUM_TO_STRING(E)                         \
  std::string to_string(E v) {                            \
    for (const auto& [value, name] : enum_names<E>())     \
      if (value == v) return name;                        \
    return "?";                                           \
  }
FACENET_ENUM_TO_STRING(Backbone)
FACENET_ENUM_TO_STRING(TripletDistance)
FACENET_ENUM_TO_STRING(Mining)
FACENET_ENUM_TO_STRING(SamplerKind)
FACENET_ENUM_TO_STRING(ResizeMode)
FACENET_ENUM_TO_STRING(Normalization)
FACENET_ENUM_TO_STRING(ChannelOrder)
FACENET_ENUM_TO_STRING(SplitBy)
FACENET_ENUM_TO_STRING(OptimizerKind)
FACENET_ENUM_TO_STRING(ScheduleKind)
FACENET_ENUM_TO_STRING(Distance)
FACENET_ENUM_TO_STRING(FlipMode)
FACENET_ENUM_TO_STRING(PairsFormat)
FACENET_ENUM_TO_STRING(DistBackend)
FACENET_ENUM_TO_STRING(CropRule)
FACENET_ENUM_TO_STRING(FaceDetector)
FACENET_ENUM_TO_STRING(Amp)
FACENET_ENUM_TO_STRING(InferenceDtype)
#undef FACENET_ENUM_TO_STRING

bool is_insightface(Backbone backbone) {
  return backbone != Backbone::MobileNet && backbone != Backbone::InceptionResNetV1;
}

std::string mean_std_problem(const PreprocessConfig& p) {
  if (p.mean.empty() && p.std_dev.empty()) return "";
  if (p.mean.empty() || p.std_dev.empty())
    return std::string(p.mean.empty() ? "std" : "mean") + " is set without " + (p.mean.empty() ? "mean" : "std") +
           ": state both or neither";
  for (const auto* key : {"mean", "std"}) {
    const auto& values = key[0] == 'm' ? p.mean : p.std_dev;
    if (values.size() != 1 && values.size() != 3)
      return std::string(key) + " has " + std::to_string(values.size()) + " values: expected 1 (every channel) or 3";
    for (double v : values) {
      if (!std::isfinite(v)) return std::string(key) + " holds a value that is not a finite number";
      if (key[0] == 's' && v <= 0) return "std must be > 0 (got " + std::to_string(v) + ")";
    }
  }
  return "";
}

}  // namespace facenet
