#pragma once
// Torch-free entry points for the CLI's evaluation commands.
#include <string>

#include "facenet/core/config.h"

namespace facenet::tasks {

/// `facenet eval-embeddings`: the protocol on a saved embeddings file (no network) for the pairs
/// in config.pairs. Pair images without an embedding count as missing (Error unless
/// config.skip_missing). Writes report.json, roc.csv and roc.png into `out_dir` when it is not
/// empty; returns the console table.
std::string run_eval_embeddings(const EvalConfig& config, const std::string& embeddings_file,
                                const std::string& out_dir);

}  // namespace facenet::tasks
