#include "commands/common.h"

#include <spdlog/spdlog.h>

#include "facenet/core/config_yaml.h"
#include "facenet/core/logging.h"
#include "facenet/core/runtime.h"

namespace facenet::cli {

void add_config_options(CLI::App* app, std::string& config_path, std::vector<std::string>& overrides,
                        bool config_required) {
  auto* opt = app->add_option("-c,--config", config_path, "YAML config file (see configs/)");
  if (config_required) opt->required();
  app->add_option("--set", overrides, "Override a config key, e.g. --set train.batch_size=48 (repeatable)")
      ->type_name("KEY=VALUE")
      ->allow_extra_args(false);
}

Config ConfigOptions::load() const { return load_config(config_path, overrides); }

void use_threads(int64_t threads) {
  RuntimeConfig runtime;
  runtime.threads = threads;
  apply_runtime(runtime);
}

void use_threads(int64_t threads, Config& config) {
  config.runtime.threads = threads;
  config.data.workers = threads;
}

void start_runtime(const Config& config) {
  set_log_level(config.runtime.log_level);
  const auto info = apply_runtime(config.runtime);
  spdlog::debug("runtime: {} threads, device {}", info.threads, info.device);
}

CLI::Option* add_model_option(CLI::App* app, std::string& model, const std::string& more) {
  return app->add_option("--model", model, "TorchScript (.pt), ONNX (.onnx) export or checkpoint" + more);
}

void add_detect_options(CLI::App* app, tasks::DetectArgs& args, bool largest_option, const std::string& fallback) {
  // CLI11 gives a bare `--detect` the option's default string, unchecked: the fallback therefore
  // stays out of it (in the help text), and the parse callback below turns the empty value into mtcnn.
  const CLI::Validator detector(
      [](const std::string& value) -> std::string {
        for (const char* name : {"mtcnn", "haar", "yunet", "none"})
          if (value == name) return "";
        return "expected mtcnn, haar, yunet or none (got '" + value + "')";
      },
      "{mtcnn,haar,yunet,none}");
  app->add_option("--detect", args.detector,
                  "Face detector: mtcnn (given without a value too), haar (OpenCV cascade), yunet (needs "
                  "--detect-model) or none (the image is one face); default: " + fallback)
      ->check(detector)
      ->expected(0, 1);
  app->add_option("--detect-model", args.model,
                  "YuNet ONNX file for --detect yunet (never downloaded), another Haar cascade, or a folder with "
                  "MTCNN's pnet.pt, rnet.pt and onet.pt (default: the shipped models/mtcnn)");
  app->add_option("--min-face", args.min_face, "Smallest face side in pixels (mtcnn: 20; haar: max(20, side/10))")
      ->check(CLI::NonNegativeNumber);
  app->add_option("--thresholds", args.thresholds,
                  "mtcnn: P-, R- and O-Net face probabilities (default 0.6,0.7,0.7); yunet: one score")
      ->delimiter(',')
      ->expected(1, 3);
  app->add_flag("!--no-haar-fallback", args.haar_fallback, "mtcnn: no Haar cascade on a photo where MTCNN finds nothing");
  if (largest_option) app->add_flag("--largest", args.largest, "Keep only the largest face of each photo");
  app->parse_complete_callback([app, &args] {
    if (app->count("--detect") > 0 && args.detector.empty()) args.detector = "mtcnn";
  });
}

void add_preprocess_options(CLI::App* app, tasks::PreprocessArgs& args) {
  const std::string group = "Foreign ONNX models (no facenet metadata; README: Running foreign ONNX face models)";
  app->add_option("--input-size", args.input_size, "Foreign model: the square input side (default: the model's fixed one)")
      ->group(group)
      ->check(CLI::Range(int64_t{1}, int64_t{4096}));
  app->add_option("--input-mean", args.mean, "Foreign model: (x - mean) / std per channel, pixels 0..255: one value or three")
      ->group(group)
      ->delimiter(',')
      ->expected(1, 3);
  app->add_option("--input-std", args.std_dev, "Foreign model: the std of --input-mean: one value or three")
      ->group(group)
      ->delimiter(',')
      ->expected(1, 3);
  add_choice_option<ChannelOrder>(app, "--channel-order", args.channel_order, "Foreign model: rgb | bgr")->group(group);
  add_choice_option<CropRule>(app, "--crop", args.crop,
                              "Foreign model: how faces are cut from photos: 5point (ArcFace template), margin, "
                              "facenet_pytorch, none")
      ->group(group);
  app->add_option("--crop-margin", args.margin, "Foreign model: the margin of --crop margin / facenet_pytorch (default 32)")
      ->group(group)
      ->check(CLI::Range(int64_t{0}, int64_t{4096}));
  app->add_option("--preprocess", args.file,
                  "Foreign model: a sidecar (YAML or JSON) stating the above (default: MODEL.preprocess.json, "
                  ".yaml or .yml when present); flags win over its keys")
      ->group(group);
}

void add_video_options(CLI::App* app, tasks::VideoArgs& args) {
  app->add_option("--every", args.every, "Videos: take every Nth frame")->capture_default_str();
  app->add_option("--track-iou", args.tracking.min_iou,
                  "Videos: the overlap (IoU) with a track's last box that continues the track")
      ->capture_default_str();
  app->add_option("--track-gap", args.tracking.max_missed,
                  "Videos: processed frames a track may miss and still continue")
      ->capture_default_str();
}

void exit_with(int code) { throw CLI::RuntimeError(code); }

}  // namespace facenet::cli
