#include "facenet/tasks/exporter.h"

#include <spdlog/spdlog.h>
#include <torch/torch.h>

#include <filesystem>

#include "facenet/core/error.h"
#include "facenet/checkpoint/checkpoint.h"
#include "facenet/export/formats.h"
#include "facenet/export/insightface.h"
#include "facenet/export/state_dict.h"
#include "facenet/infer/meta.h"
#include "facenet/infer/network_format.h"
#include "facenet/models/facenet.h"

namespace facenet::tasks {

std::string run_export(const std::string& checkpoint, const ExportConfig& config, const std::string& out) {
  const auto& format = exporting::formats().writer(config.format);  // an unknown name fails first
  if (infer::network_formats().format_of(checkpoint).name == "int8")
    throw Error("'" + checkpoint + "' is an int8 model: export reads checkpoints; its QDQ ONNX graph is written by "
                "facenet quantize --onnx OUT.onnx");
  const auto opened = Checkpoint::open(checkpoint);
  const auto meta = infer::meta_from_checkpoint(opened);
  auto model = models::make_model(opened.info().config.model);
  opened.load_into(*model);
  model->eval();
  const auto detail = format.write(*model, meta, config, out);
  auto size = std::filesystem::file_size(out);
  const auto what = detail.empty() ? format.name : format.name + " (" + detail + ")";
  spdlog::info("[export] {} -> {} ({}, {:.1f} MB)", checkpoint, out, what, size / 1e6);
  return "exported " + to_string(meta.backbone) + " " + std::to_string(meta.embedding_size) + "-d as " + what +
         " to " + out + " (threshold " + std::to_string(meta.threshold) + ")";
}

namespace {

/// A backbone's config spelling or arcface_torch's model-zoo name (r50, mbf).
Backbone parse_backbone(const std::string& name) {
  const std::pair<const char*, Backbone> zoo[] = {{"r18", Backbone::IResNet18},   {"r34", Backbone::IResNet34},
                                                  {"r50", Backbone::IResNet50},   {"r100", Backbone::IResNet100},
                                                  {"r200", Backbone::IResNet200}, {"mbf", Backbone::MobileFaceNet}};
  for (const auto& [alias, b] : zoo)
    if (name == alias) return b;
  for (int i = 0; i <= static_cast<int>(Backbone::MobileFaceNet); ++i)
    if (to_string(static_cast<Backbone>(i)) == name) return static_cast<Backbone>(i);
  throw ConfigError("import --backbone: unknown network '" + name + "' (expected r18, r34, r50, r100, r200, mbf, "
                    "iresnet18..iresnet200, mobilefacenet or inception_resnet_v1)");
}

/// arcface_torch's backbone.pth: an IResNet or MobileFaceNet state dict. The preprocessing and
/// crop recorded are insightface's: 112x112 RGB, (x/255 - 0.5)/0.5, the 5-point similarity warp onto
/// the ArcFace template (MTCNN gives the five points here).
std::string import_insightface(const std::string& file, const std::string& out, const std::string& backbone_name) {
  const auto state = exporting::strip_module_prefix(exporting::read_state_dict(file));
  const auto found = exporting::insightface_backbone_of(state, file);
  Config config;
  config.model.backbone = found;
  if (!backbone_name.empty()) {
    config.model.backbone = parse_backbone(backbone_name);
    if (!is_insightface(config.model.backbone))
      throw ConfigError("import --backbone: '" + backbone_name +
                        "' is not an insightface network (r18, r34, r50, r100, r200 or mbf)");
  }
  config.model.embedding_size = exporting::insightface_embedding_size(state, file);
  config.data.preprocess.image_size = 112;
  config.data.preprocess.normalization = Normalization::Symmetric;
  config.data.preprocess.channel_order = ChannelOrder::RGB;
  config.data.crop = CropConfig{CropRule::FivePoint, 0, FaceDetector::Mtcnn};
  config.train.name = "import";
  auto model = models::make_model(config.model);
  exporting::load_insightface_state(*model, state, file);  // another depth: named here
  facenet::TrainingState st;
  facenet::save_checkpoint(out, {config, st, 0, *model});
  const auto what = to_string(config.model.backbone) + ", " + std::to_string(config.model.embedding_size) + "-d";
  spdlog::info("[import] {} -> {} ({}, insightface preprocessing: 112 px RGB (x/255-0.5)/0.5, 5point crop)", file, out,
               what);
  return "imported " + file + " (" + what + ") to " + out;
}

}  // namespace

std::string run_import(const std::string& layout, const std::string& file, const std::string& out,
                       const std::string& backbone) {
  if (layout == "insightface") return import_insightface(file, out, backbone);
  if (layout != "facenet-pytorch")
    throw ConfigError("import --layout: expected facenet-pytorch or insightface (got '" + layout + "')");
  if (!backbone.empty() && parse_backbone(backbone) != Backbone::InceptionResNetV1)
    throw ConfigError("import --backbone: the facenet-pytorch layout holds an inception_resnet_v1 (got '" + backbone +
                      "')");
  const auto state = exporting::read_state_dict(file);
  torch::Tensor linear;
  for (const auto& [key, t] : state)
    if (key == "last_linear.weight") linear = t;
  if (!linear.defined() || linear.dim() != 2)
    throw Error("'" + file + "' has no 2-D last_linear.weight: not an InceptionResnetV1 state dict");
  Config config;
  config.model.backbone = Backbone::InceptionResNetV1;
  config.model.embedding_size = linear.size(0);
  config.data.preprocess = PreprocessConfig{};  // RGB 160 px, fixed standardisation (x - 127.5) / 128
  // facenet-pytorch's pipeline cuts faces with its MTCNN and extract_face: margin 0 (MTCNN's
  // default) at image_size 160, the model's input. Recorded so that `--detect` crops alike.
  config.data.crop = CropConfig{CropRule::FacenetPytorch, 0, FaceDetector::Mtcnn};
  config.train.name = "import";
  auto model = models::make_model(config.model);
  exporting::load_port_state(*model, state, file);
  facenet::TrainingState st;
  facenet::save_checkpoint(out, {config, st, 0, *model});
  spdlog::info("[import] {} -> {} (inception_resnet_v1, {}-d)", file, out, config.model.embedding_size);
  return "imported " + file + " (inception_resnet_v1, " + std::to_string(config.model.embedding_size) + "-d) to " + out;
}

std::vector<FormatSummary> list_formats() {
  std::vector<FormatSummary> out;
  for (const auto& f : exporting::formats().rows())
    out.push_back({f.name, f.kind, f.description, f.extension, bool(f.load), bool(f.write)});
  return out;
}

}  // namespace facenet::tasks
