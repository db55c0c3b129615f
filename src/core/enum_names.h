#pragma once
// The one table of config spellings for every enum (private to src/core).
#include <utility>
#include <vector>

#include "facenet/core/config.h"

namespace facenet {

template <class E>
using EnumTable = std::vector<std::pair<E, const char*>>;

template <class E>
const EnumTable<E>& enum_names();

#define FACENET_ENUM_TABLE(E, ...)                  \
  template <>                                       \
  inline const EnumTable<E>& enum_names<E>() {      \
    static const EnumTable<E> table{__VA_ARGS__};   \
    return table;                                   \
  }

// r18 ... mbf: arcface_torch's model-zoo names, read as aliases (the first spelling is written).
FACENET_ENUM_TABLE(Backbone, {Backbone::MobileNet, "mobilenet"},
                   {Backbone::InceptionResNetV1, "inception_resnet_v1"}, {Backbone::IResNet18, "iresnet18"},
                   {Backbone::IResNet34, "iresnet34"}, {Backbone::IResNet50, "iresnet50"},
                   {Backbone::IResNet100, "iresnet100"}, {Backbone::IResNet200, "iresnet200"},
                   {Backbone::MobileFaceNet, "mobilefacenet"}, {Backbone::IResNet18, "r18"},
                   {Backbone::IResNet34, "r34"}, {Backbone::IResNet50, "r50"}, {Backbone::IResNet100, "r100"},
                   {Backbone::IResNet200, "r200"}, {Backbone::MobileFaceNet, "mbf"})
FACENET_ENUM_TABLE(TripletDistance, {TripletDistance::Euclidean, "euclidean"},
                   {TripletDistance::SquaredEuclidean, "squared_euclidean"})
FACENET_ENUM_TABLE(Mining, {Mining::None, "none"}, {Mining::BatchAll, "batch_all"},
                   {Mining::BatchHard, "batch_hard"}, {Mining::SemiHard, "semi_hard"})
FACENET_ENUM_TABLE(SamplerKind, {SamplerKind::Triplet, "triplet"}, {SamplerKind::PK, "pk"})
FACENET_ENUM_TABLE(ResizeMode, {ResizeMode::Resize, "resize"}, {ResizeMode::Letterbox, "letterbox"})
FACENET_ENUM_TABLE(Normalization, {Normalization::Fixed, "fixed"}, {Normalization::Unit, "unit"},
                   {Normalization::Symmetric, "symmetric"})
FACENET_ENUM_TABLE(ChannelOrder, {ChannelOrder::RGB, "rgb"}, {ChannelOrder::BGR, "bgr"})
FACENET_ENUM_TABLE(SplitBy, {SplitBy::Image, "image"}, {SplitBy::Identity, "identity"})
FACENET_ENUM_TABLE(OptimizerKind, {OptimizerKind::Adam, "adam"}, {OptimizerKind::AdamW, "adamw"},
                   {OptimizerKind::SGD, "sgd"})
FACENET_ENUM_TABLE(ScheduleKind, {ScheduleKind::Cosine, "cosine"}, {ScheduleKind::Step, "step"},
                   {ScheduleKind::MultiStep, "multistep"}, {ScheduleKind::Constant, "constant"},
                   {ScheduleKind::Poly, "poly"})
FACENET_ENUM_TABLE(Distance, {Distance::L2, "l2"}, {Distance::L2Squared, "l2sq"},
                   {Distance::Cosine, "cosine"})
FACENET_ENUM_TABLE(FlipMode, {FlipMode::None, "none"}, {FlipMode::Concat, "concat"},
                   {FlipMode::Sum, "sum"})
FACENET_ENUM_TABLE(PairsFormat, {PairsFormat::Auto, "auto"}, {PairsFormat::LFW, "lfw"},
                   {PairsFormat::List, "list"})
FACENET_ENUM_TABLE(DistBackend, {DistBackend::Auto, "auto"}, {DistBackend::Gloo, "gloo"},
                   {DistBackend::NCCL, "nccl"})
FACENET_ENUM_TABLE(CropRule, {CropRule::None, "none"}, {CropRule::Margin, "margin"},
                   {CropRule::FacenetPytorch, "facenet_pytorch"}, {CropRule::FivePoint, "5point"})
FACENET_ENUM_TABLE(FaceDetector, {FaceDetector::None, "none"}, {FaceDetector::Haar, "haar"},
                   {FaceDetector::YuNet, "yunet"}, {FaceDetector::Mtcnn, "mtcnn"})
// false/true: configs and checkpoints from before train.amp had values (read, never written).
FACENET_ENUM_TABLE(Amp, {Amp::None, "none"}, {Amp::BF16, "bf16"}, {Amp::FP16, "fp16"}, {Amp::Auto, "auto"},
                   {Amp::None, "false"}, {Amp::Auto, "true"})
FACENET_ENUM_TABLE(InferenceDtype, {InferenceDtype::FP32, "fp32"}, {InferenceDtype::BF16, "bf16"},
                   {InferenceDtype::Auto, "auto"})
#undef FACENET_ENUM_TABLE

}  // namespace facenet
