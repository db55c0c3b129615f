#pragma once
// Options shared by subcommands: --config FILE and repeatable --set key=value.
#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "facenet/core/config.h"
#include "facenet/tasks/embed_tools.h"

namespace facenet::cli {

struct ConfigOptions {
  std::string config_path;
  std::vector<std::string> overrides;

  /// Adds --config and --set to `app`.
  void add_to(CLI::App* app, bool config_required = false);
  /// Loads, overrides and validates (throws ConfigError).
  Config load() const;
};

/// Adds --detect, --detect-model and --largest (`largest_option`: whether --largest is offered).
void add_detect_options(CLI::App* app, tasks::DetectArgs& args, bool largest_option = true);

/// Adds --dtype fp32|bf16|auto (runtime.inference_dtype: the precision the network embeds in).
void add_dtype_option(CLI::App* app, InferenceDtype& dtype);

/// Sets up console logging and the runtime (threads, seed) from the config.
void start_runtime(const Config& config);

void register_info(CLI::App& app);
void register_config(CLI::App& app);
void register_synth(CLI::App& app);
void register_pack(CLI::App& app);
void register_align(CLI::App& app);
void register_annotate(CLI::App& app);
void register_bench_data(CLI::App& app);
void register_bench(CLI::App& app);
void register_train(CLI::App& app);
void register_eval(CLI::App& app);
void register_summary(CLI::App& app);
void register_eval_embeddings(CLI::App& app);
void register_export(CLI::App& app);
void register_import(CLI::App& app);
void register_embed(CLI::App& app);
void register_verify(CLI::App& app);
void register_identify(CLI::App& app);
void register_check(CLI::App& app);
void register_enroll(CLI::App& app);
void register_eval_identify(CLI::App& app);
void register_cluster(CLI::App& app);

}  // namespace facenet::cli
