// Enum spellings shared by the YAML layer, logs and reports.
#include "facenet/core/config.h"

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

}  // namespace facenet
