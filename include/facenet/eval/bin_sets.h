#pragma once
// insightface .bin verification sets (lfw.bin, cfp_fp.bin, agedb_30.bin, ...) evaluated as
// insightface's verification.py does: pairs i = images 2i and 2i+1 in file order, 10 folds in
// that order (no interleaving), thresholds 0:4 step 0.01 on the squared L2 distance of
// L2-normalised embeddings (eval.sets_distance, default l2sq), VAL@FAR 1e-3; `flip sum` is its
// "accuracy-flip". The images are encoded bytes, so the network is a BytesEmbedFn. The set type
// "bin" (bin_set_type) makes each one an EvalSet.
#include <memory>
#include <string>
#include <vector>

#include "facenet/core/config.h"
#include "facenet/data/verification_bin.h"
#include "facenet/eval/embeddings_io.h"
#include "facenet/eval/eval_set.h"
#include "facenet/eval/pairs.h"
#include "facenet/eval/report.h"
#include "facenet/infer/embed_fn.h"

namespace facenet::eval {

/// One loaded set: its name (file name without .bin), path and contents.
struct BinSet {
  std::string name;
  std::string path;
  data::VerificationBin bin;
};

/// "lfw" for ".../lfw.bin".
std::string bin_set_name(const std::string& path);

/// Reads every .bin (read_verification_bin).
std::vector<BinSet> load_bin_sets(const std::vector<std::string>& paths);

/// The protocol for .bin sets: `config` with distance = sets_distance and no interleaving
/// (folds, grid, far_target, flip, subtract_mean as configured).
EvalConfig bin_protocol(EvalConfig config);

/// The pairs of a .bin set: image names "0", "1", ... (the image index), pair i = (2i, 2i+1).
std::vector<Pair> bin_pairs(const data::VerificationBin& bin);

/// Embeds every image of `set` (and flipped with a flip mode), in batches of config.batch_size,
/// names as bin_pairs gives them.
EmbeddingSet embed_bin(const BinSet& set, const EvalConfig& config, const BytesEmbedFn& embed);

/// The protocol on `set` with `config` taken as is (call bin_protocol first for insightface's).
/// When `out_dir` is not empty, writes report.json, roc.csv, roc.png and embeddings.pt there.
/// `checkpoint` is recorded in the report.
Report evaluate_bin(const BinSet& set, const EvalConfig& config, const BytesEmbedFn& embed,
                    const std::string& out_dir = "", const std::string& checkpoint = "");

/// The set type of .bin files: each read once, evaluated with bin_protocol(config) through the
/// network's BytesEmbedFn into <evaluation folder>/<name>/.
SetType bin_set_type();

}  // namespace facenet::eval
