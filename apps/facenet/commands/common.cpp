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

void add_detect_options(CLI::App* app, tasks::DetectArgs& args, bool largest_option) {
  app->add_option("--detect", args.detect,
                  "Face detector: none (the image is one face), haar (OpenCV cascade) or yunet (needs --detect-model); "
                  "default: the model's metadata (none for models trained on crops)")
      ->check(CLI::IsMember({"none", "haar", "yunet"}));
  app->add_option("--detect-model", args.detect_model,
                  "YuNet ONNX file for --detect yunet (never downloaded), or another Haar cascade");
  if (largest_option) app->add_flag("--largest", args.largest, "Keep only the largest face of each photo");
}

void exit_with(int code) { throw CLI::RuntimeError(code); }

}  // namespace facenet::cli
