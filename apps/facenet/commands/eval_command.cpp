#include <iostream>

#include "commands/common.h"
#include "facenet/core/error.h"
#include "facenet/tasks/network_eval.h"

namespace facenet::cli {

void register_eval(CLI::App& app) {
  auto* cmd = app.add_subcommand("eval", "Verification on LFW-format pairs or insightface .bin sets: 10-fold accuracy, VAL@FAR, AUC, EER, ROC");
  struct Options {
    ConfigOptions config;
    std::string checkpoint, data_dir, pairs, out = "eval-out", distance, flip, ext, format, dtype;
    std::vector<std::string> bins;
    bool subtract_mean = false, skip_missing = false, interleave = false;
    int64_t batch_size = 0, threads = -1, folds = 0;
  };
  auto o = std::make_shared<Options>();
  cmd->add_option("--checkpoint", o->checkpoint, "Checkpoint to evaluate (without it: an untrained network from --config)");
  cmd->add_option("--data-dir", o->data_dir, "Folder of <name>/<name>_NNNN.<ext> images (eval.data_dir)");
  cmd->add_option("--pairs", o->pairs, "pairs.txt (LFW format) or 'path1 path2 0|1' lines (eval.pairs)");
  cmd->add_option("--bin", o->bins,
                  "insightface verification set (lfw.bin, cfp_fp.bin, agedb_30.bin) or a folder of .bin files; "
                  "repeatable. insightface's protocol: l2sq, thresholds 0:4:0.01, 10 folds in file order")
      ->excludes("--pairs");
  cmd->add_option("--out", o->out, "Output folder for report.json, roc.png, roc.csv, embeddings.pt (with --bin: <out>/<set>/)")
      ->capture_default_str();
  cmd->add_option("--distance", o->distance, "l2 | l2sq | cosine (with --bin: eval.sets_distance, default l2sq)");
  cmd->add_option("--flip", o->flip, "Test-time flip: none | concat | sum");
  cmd->add_flag("--subtract-mean", o->subtract_mean, "Subtract the training folds' mean embedding");
  cmd->add_flag("--skip-missing", o->skip_missing, "Drop pairs whose images are missing (count reported)");
  cmd->add_flag("--interleave-folds", o->interleave, "Order pairs matched0, mismatched0, ... before folding (View 1)");
  cmd->add_option("--ext", o->ext, "Image extension for LFW-format pairs (default jpg)");
  cmd->add_option("--pairs-format", o->format, "auto | lfw | list");
  cmd->add_option("--folds", o->folds, "Number of folds (default 10)");
  cmd->add_option("--batch-size", o->batch_size, "Images per forward pass");
  cmd->add_option("--threads", o->threads, "Intra-op and decode threads (0 = all cores)");
  cmd->add_option("--dtype", o->dtype, "Inference precision: fp32 | bf16 | auto (runtime.inference_dtype)");
  o->config.add_to(cmd);
  cmd->callback([o] {
    // Flags are spelled-out config overrides, so validation and errors stay in one place.
    auto overrides = o->config.overrides;
    auto set = [&](const std::string& key, const std::string& value) { overrides.insert(overrides.begin(), key + "=" + value); };
    if (!o->data_dir.empty()) set("eval.data_dir", o->data_dir);
    if (!o->pairs.empty()) set("eval.pairs", o->pairs);
    if (!o->distance.empty()) set(o->bins.empty() ? "eval.distance" : "eval.sets_distance", o->distance);
    if (!o->flip.empty()) set("eval.flip", o->flip);
    if (!o->ext.empty()) set("eval.ext", o->ext);
    if (!o->format.empty()) set("eval.pairs_format", o->format);
    if (o->subtract_mean) set("eval.subtract_mean", "true");
    if (o->skip_missing) set("eval.skip_missing", "true");
    if (o->interleave) set("eval.interleave_folds", "true");
    if (!o->dtype.empty()) set("runtime.inference_dtype", o->dtype);
    if (o->folds > 0) set("eval.folds", std::to_string(o->folds));
    if (o->batch_size > 0) set("eval.batch_size", std::to_string(o->batch_size));
    if (o->threads >= 0) {
      set("runtime.threads", std::to_string(o->threads));
      set("data.workers", std::to_string(o->threads));
    }
    ConfigOptions resolved{o->config.config_path, overrides};
    const auto config = resolved.load();
    if (!o->bins.empty()) {
      start_runtime(config);
      const auto result = tasks::run_network_eval_bins(config, o->checkpoint, o->bins, o->out);
      std::cout << result.table;
      std::cout << "reports: " << o->out << "/<set>/report.json\n";
      return;
    }
    if (config.eval.pairs.empty()) throw ConfigError("eval needs --pairs or --bin (or eval.pairs in the config)");
    start_runtime(config);
    const auto result = tasks::run_network_eval(config, o->checkpoint, o->out);
    std::cout << result.table;
    std::cout << "report: " << o->out << "/report.json\n";
  });
}

}  // namespace facenet::cli
