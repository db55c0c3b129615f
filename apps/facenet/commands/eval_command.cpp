#include <iostream>
#include <optional>

#include "commands/common.h"
#include "facenet/core/config_yaml.h"
#include "facenet/core/error.h"
#include "facenet/tasks/network_eval.h"

namespace facenet::cli {

void register_eval(CLI::App& app) {
  auto* cmd = app.add_subcommand("eval", "Verification on LFW-format pairs or insightface .bin sets: 10-fold accuracy, VAL@FAR, AUC, EER, ROC");
  // Each flag sets one field of the loaded config (after --config and --set); unset: the config's.
  struct Options {
    ConfigOptions config;
    std::string checkpoint, out = "eval-out";
    std::vector<std::string> bins;
    std::optional<std::string> data_dir, pairs, ext;
    std::optional<Distance> distance;
    std::optional<FlipMode> flip;
    std::optional<PairsFormat> pairs_format;
    std::optional<InferenceDtype> dtype;
    std::optional<int64_t> folds, batch_size, threads;
    bool subtract_mean = false, skip_missing = false, interleave = false;
    tasks::DetectArgs detect;
    tasks::PreprocessArgs preprocess;
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
  add_choice_option<Distance>(cmd, "--distance", o->distance,
                              "l2 | l2sq | cosine (eval.distance; with --bin: eval.sets_distance, default l2sq)");
  add_choice_option<FlipMode>(cmd, "--flip", o->flip, "Test-time flip: none | concat | sum (eval.flip)");
  cmd->add_flag("--subtract-mean", o->subtract_mean, "Subtract the training folds' mean embedding");
  cmd->add_flag("--skip-missing", o->skip_missing, "Drop pairs whose images are missing (count reported)");
  cmd->add_flag("--interleave-folds", o->interleave, "Order pairs matched0, mismatched0, ... before folding (View 1)");
  cmd->add_option("--ext", o->ext, "Image extension for LFW-format pairs (eval.ext, default jpg)");
  add_choice_option<PairsFormat>(cmd, "--pairs-format", o->pairs_format, "auto | lfw | list (eval.pairs_format)");
  cmd->add_option("--folds", o->folds, "Number of folds (eval.folds, default 10)");
  cmd->add_option("--batch-size", o->batch_size, "Images per forward pass (eval.batch_size)");
  add_detect_options(cmd, o->detect, false,
                     "none: the images are face crops. With --detect the pairs name uncropped photos: the face "
                     "davidsandberg's align keeps is cut by the model's crop rule (margin 32 for a model trained on "
                     "crops); a photo without a face is embedded from its centre square (counted in the report)");
  add_threads_option(cmd, o->threads);
  add_dtype_option(cmd, o->dtype);
  add_preprocess_options(cmd, o->preprocess);
  o->config.add_to(cmd);
  cmd->callback([o] {
    auto config = o->config.load();
    auto& e = config.eval;
    assign_if(e.data_dir, o->data_dir);
    assign_if(e.pairs, o->pairs);
    assign_if(o->bins.empty() ? e.distance : e.sets_distance, o->distance);
    assign_if(e.flip, o->flip);
    assign_if(e.ext, o->ext);
    assign_if(e.pairs_format, o->pairs_format);
    assign_if(e.folds, o->folds);
    assign_if(e.batch_size, o->batch_size);
    assign_if(config.runtime.inference_dtype, o->dtype);
    if (o->subtract_mean) e.subtract_mean = true;
    if (o->skip_missing) e.skip_missing = true;
    if (o->interleave) e.interleave_folds = true;
    if (o->threads) use_threads(*o->threads, config);
    validate(config);  // the flags' values, by the rules --set values meet
    if (!o->bins.empty()) {
      if (!o->detect.detector.empty())
        throw ConfigError("eval --detect scores pairs of photos (--pairs); .bin sets hold aligned crops already");
      start_runtime(config);
      const auto result = tasks::run_network_eval_bins(config, o->checkpoint, o->bins, o->out, o->preprocess);
      std::cout << result.table;
      std::cout << "reports: " << o->out << "/<set>/report.json\n";
      return;
    }
    if (config.eval.pairs.empty()) throw ConfigError("eval needs --pairs or --bin (or eval.pairs in the config)");
    start_runtime(config);
    const auto result = tasks::run_network_eval(config, o->checkpoint, o->out, o->detect, o->preprocess);
    std::cout << result.table;
    std::cout << "report: " << o->out << "/report.json\n";
  });
}

}  // namespace facenet::cli
