#pragma once
// What the subcommands share: --config/--set, flags that set typed fields (an enum's config
// spellings, --threads, --dtype, --detect), starting the runtime, and ending with an exit code.
// Each command lives in commands/<name>_command.cpp and is listed once in commands/registry.cpp.
#include <CLI/CLI.hpp>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "facenet/core/config.h"
#include "facenet/tasks/detect_args.h"
#include "facenet/tasks/model_args.h"

namespace facenet::cli {

/// Adds --config FILE and repeatable --set KEY=VALUE, bound to a task's own fields.
void add_config_options(CLI::App* app, std::string& config_path, std::vector<std::string>& overrides,
                        bool config_required = false);

struct ConfigOptions {
  std::string config_path;
  std::vector<std::string> overrides;

  /// Adds --config and --set to `app`.
  void add_to(CLI::App* app, bool config_required = false) {
    add_config_options(app, config_path, overrides, config_required);
  }
  /// Defaults < --config < --set, validated (throws ConfigError). A command's own flags are
  /// then applied to the typed fields (assign_if) and checked by facenet::validate.
  Config load() const;
};

/// A config-backed command's flag: sets `field` when the flag was given, else leaves the
/// config's value (flags apply after --config and --set).
template <class T>
void assign_if(T& field, const std::optional<T>& flag) {
  if (flag) field = *flag;
}

namespace detail {
template <class T>
struct Optional : std::false_type {};
template <class T>
struct Optional<std::optional<T>> : std::true_type {};

/// The config spellings of `E`'s values, in order (to_string answers "?" past the last one).
template <class E>
std::vector<std::string> spellings() {
  std::vector<std::string> names;
  for (int i = 0;; ++i) {
    auto name = to_string(static_cast<E>(i));
    if (name == "?") return names;
    names.push_back(std::move(name));
  }
}
}  // namespace detail

/// A flag taking one of E's config spellings (the words its YAML key takes, e.g. --flip
/// none|concat|sum); anything else is a usage error that lists them. `value` is E, or
/// std::optional<E> for "unset: keep the config's value".
template <class E, class Target>
CLI::Option* add_choice_option(CLI::App* app, const std::string& name, Target& value, const std::string& help) {
  const auto names = detail::spellings<E>();
  const auto listed = CLI::detail::join(names, " | ");
  CLI::Validator spelled(
      [names, listed](std::string& text) -> std::string {
        for (std::size_t i = 0; i < names.size(); ++i)
          if (text == names[i]) {
            text = std::to_string(i);  // CLI11 converts the index to E
            return "";
          }
        return "'" + text + "' is not one of " + listed;
      },
      CLI::detail::join(names, "|"));
  auto* opt = app->add_option(name, value, help)->transform(spelled)->type_name("NAME");
  if constexpr (!detail::Optional<Target>::value) opt->default_str(to_string(value));
  return opt;
}

/// --threads N, one meaning in every command that offers it: the threads the command uses, for
/// the network (LibTorch's intra-op pool) and for image decoding alike; 0 = all cores. Binds
/// `threads` (the task's field, or std::optional for "the config's runtime.threads and
/// data.workers" when not given); the command applies it with use_threads.
template <class Int>
CLI::Option* add_threads_option(CLI::App* app, Int& threads) {
  const CLI::Validator non_negative(
      [](std::string& text) { return text.rfind('-', 0) == 0 ? std::string("must be >= 0 (0 = all cores)") : ""; },
      "");
  auto* opt = app->add_option("--threads", threads, "Threads for the network and image decoding alike (0 = all cores)")
                  ->check(non_negative);
  if constexpr (!detail::Optional<Int>::value) opt->capture_default_str();
  return opt;
}

/// Applies --threads: LibTorch's intra-op pool gets `threads` (0 = all cores), and the command
/// hands the same number to its decoding (its task's `threads`).
void use_threads(int64_t threads);
/// The same for a command with a config: runtime.threads and data.workers both take `threads`
/// (start_runtime then applies them).
void use_threads(int64_t threads, Config& config);

/// --model: the network file a face command runs (an export or a checkpoint); `more` is appended
/// to the help text.
CLI::Option* add_model_option(CLI::App* app, std::string& model, const std::string& more = "");

/// Adds --detect, --detect-model, --min-face, --thresholds, --no-haar-fallback and --largest
/// (`largest_option`: whether --largest is offered). `fallback` is what the help says an absent
/// --detect means.
void add_detect_options(CLI::App* app, tasks::DetectArgs& args, bool largest_option = true,
                        const std::string& fallback = "the model's (none for models trained on crops)");

/// Adds --every, --track-iou and --track-gap: how embed, identify and cluster read a video (the
/// task checks them: --every 0 is a ConfigError naming the flag).
void add_video_options(CLI::App* app, tasks::VideoArgs& args);

/// Adds --dtype fp32|bf16|auto (runtime.inference_dtype: the precision the network embeds in).
/// `dtype`: InferenceDtype, or std::optional<InferenceDtype> for "unset: the config's".
template <class Target>
CLI::Option* add_dtype_option(CLI::App* app, Target& dtype) {
  return add_choice_option<InferenceDtype>(
      app, "--dtype", dtype,
      "Inference precision: fp32, bf16 (CPUs with AVX512-BF16/AMX; an error elsewhere) or auto (bf16 where "
      "native, else fp32); runtime.inference_dtype");
}

/// --input-size, --input-mean, --input-std, --channel-order, --crop, --crop-margin and --preprocess
/// FILE: how to feed a foreign ONNX model (no facenet metadata), bound to `args` (infer/foreign.h
/// checks them against the model; a model of facenet's own refuses them).
void add_preprocess_options(CLI::App* app, tasks::PreprocessArgs& args);

/// --batch-size, --threads, --dtype and the preprocess options: how a face task (embed, identify,
/// enroll, eval-identify, cluster) runs its network, bound to its options' fields of those names.
template <class Options>
void add_network_options(CLI::App* app, Options& options) {
  app->add_option("--batch-size", options.batch_size, "Images per forward pass")->capture_default_str();
  add_threads_option(app, options.threads);
  add_dtype_option(app, options.dtype);
  add_preprocess_options(app, options.preprocess);
}

/// The config's log level and runtime (threads, seed, device): what a config-backed command
/// does before its work.
void start_runtime(const Config& config);

/// Ends the command with `code` as the process's exit status, printing nothing more: main
/// returns it (CLI11's RuntimeError carries it out of the callback). For statuses that are not
/// an error message: check's damaged file (1), train's failed worker or signal (128 + N).
[[noreturn]] void exit_with(int code);

}  // namespace facenet::cli
