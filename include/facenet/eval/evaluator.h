#pragma once
// The evaluator: embeds every image a pairs file names through an injected embedding function
// (the network lives elsewhere), then runs the verification protocol and writes the report.
#include <torch/types.h>

#include <string>
#include <vector>

#include "facenet/core/config.h"
#include "facenet/eval/embeddings_io.h"
#include "facenet/eval/pairs.h"
#include "facenet/eval/report.h"
#include "facenet/infer/embed_fn.h"

namespace facenet::eval {


/// Runs the protocol for pairs against stored embeddings (every pair image must be in `set`):
/// combine_flip per image, then evaluate_embeddings. Fills metrics and info's config,
/// num_images and embedding_dim.
Report evaluate_pairs(const std::vector<Pair>& pairs, const EmbeddingSet& set, const EvalConfig& config);

class Evaluator {
 public:
  /// Reads config.pairs and checks that the images exist under config.data_dir (throws Error
  /// listing missing images unless config.skip_missing).
  Evaluator(EvalConfig config, EmbedFn embed);

  /// Embeds every image once (and flipped when config.flip != none), evaluates, and, when
  /// `out_dir` is not empty, writes report.json, roc.csv, roc.png and embeddings.pt there.
  /// The embeddings file holds the flipped view only when it was computed, so a re-run can
  /// switch between concat and sum but not from none to a flip mode.
  Report run(const std::string& out_dir = "") const;

  /// Embeds `images` (names relative to config.data_dir) in batches, logging rate and ETA.
  EmbeddingSet embed_images(const std::vector<std::string>& images) const;

  const std::vector<Pair>& pairs() const { return pairs_.pairs; }
  /// Recorded in the report (e.g. the checkpoint path); optional.
  void set_checkpoint(std::string name) { checkpoint_ = std::move(name); }

 private:
  EvalConfig config_;
  EmbedFn embed_;
  PreparedPairs pairs_;
  std::string checkpoint_;
};

}  // namespace facenet::eval
