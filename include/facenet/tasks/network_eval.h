#pragma once
// `facenet eval` with a network: a checkpoint (its model and preprocessing) or, without one,
// a freshly initialised network from the config (a chance-level baseline). Torch-free header.
#include <string>
#include <vector>

#include "facenet/core/config.h"
#include "facenet/tasks/detect_args.h"
#include "facenet/tasks/model_args.h"

namespace facenet::tasks {

struct NetworkEvalResult {
  std::string table;        ///< the console table
  double accuracy = 0;
  double threshold_at_far = 0;
};

/// Evaluates config.eval on the network from `checkpoint` (model and preprocessing come from the
/// checkpoint; eval settings from `config`) or, when `checkpoint` is empty, an untrained network
/// built from `config.model`. Writes report.json, roc.png, roc.csv, embeddings.pt into out_dir.
/// With detect.detector set (`eval --detect`; empty = the images are face crops) the pairs' images
/// are uncropped photos: infer::photo_embed_fn detects, crops by the model's rule
/// (infer::face_plan: margin 32 for a model trained on crops) and embeds them; the report's
/// face_detection says how many had no face (embedded from their centre square).
/// `preprocess`: how to feed `checkpoint` when it is a foreign ONNX model (tasks/model_args.h).
NetworkEvalResult run_network_eval(const Config& config, const std::string& checkpoint, const std::string& out_dir,
                                   const DetectArgs& detect = {}, const PreprocessArgs& preprocess = {});

/// `facenet eval --bin`: insightface .bin verification sets (files or folders of .bin files) on
/// the same network, with insightface's protocol (eval::bin_protocol of config.eval). Writes
/// report.json, roc.png, roc.csv, embeddings.pt into out_dir/<set name>/ and returns one table
/// for all sets; `accuracy` is the mean over the sets, threshold_at_far the first set's.
NetworkEvalResult run_network_eval_bins(const Config& config, const std::string& checkpoint,
                                        const std::vector<std::string>& bins, const std::string& out_dir,
                                        const PreprocessArgs& preprocess = {});

}  // namespace facenet::tasks
