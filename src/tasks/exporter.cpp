#include "facenet/tasks/exporter.h"

#include <spdlog/spdlog.h>
#include <torch/torch.h>

#include <filesystem>

#include "facenet/core/error.h"
#include "facenet/checkpoint/checkpoint.h"
#include "facenet/export/formats.h"
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

std::string run_import(const std::string& layout, const std::string& file, const std::string& out) {
  if (layout != "facenet-pytorch")
    throw ConfigError("import --layout: only facenet-pytorch is supported (got '" + layout + "')");
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
