#pragma once
// The pairs-file set and what every set shares: embedding its images (and their mirror
// images) in batches through an injected embedding function (the network lives elsewhere),
// the verification protocol on stored embeddings, and the files a set writes.
#include <torch/types.h>

#include <functional>
#include <string>
#include <vector>

#include "facenet/core/config.h"
#include "facenet/eval/embeddings_io.h"
#include "facenet/eval/eval_set.h"
#include "facenet/eval/pairs.h"
#include "facenet/eval/report.h"
#include "facenet/infer/embed_fn.h"

namespace facenet::eval {

/// Runs the protocol for pairs against stored embeddings (every pair image must be in `set`):
/// combine_flip per image, then evaluate_embeddings. Fills metrics and info's config,
/// num_images and embedding_dim.
Report evaluate_pairs(const std::vector<Pair>& pairs, const EmbeddingSet& set, const EvalConfig& config);

/// Embeds `items` (what `embed` takes: paths or encoded images) in batches of config.batch_size,
/// and again mirrored when config.flip != none, logging rate and ETA as "eval <what>". Row i of
/// the result is named names[i]. Throws Error naming `what` and the batch's first item
/// (`describe(index)`) when `embed` is empty, breaks its (N, D) contract or changes D.
EmbeddingSet embed_with_flip(const std::vector<std::string>& items, std::vector<std::string> names,
                             const EvalConfig& config, const EmbedFn& embed, const std::string& what,
                             const std::function<std::string(std::size_t)>& describe);

/// Writes a set's files into out_dir: embeddings.pt (recorded in report.info.embeddings_file),
/// report.json, roc.csv and roc.png.
void write_set_files(const std::string& out_dir, Report& report, const EmbeddingSet& embeddings);

/// The set of a pairs file (eval.pairs, images under eval.data_dir), named after the file
/// ("pairs" for pairs.txt). It writes into the evaluation's folder itself, where
/// `facenet eval --pairs --out` and training runs have always put its files.
class PairsFileSet : public EvalSet {
 public:
  /// Reads config.pairs and checks that the images exist under config.data_dir (throws Error
  /// listing missing images unless config.skip_missing).
  explicit PairsFileSet(EvalConfig config);
  std::string name() const override;
  std::string folder() const override { return ""; }
  /// Embeds every image once through network.files (and flipped when config.flip != none). The
  /// embeddings file holds the flipped view only when it was computed, so a re-run can switch
  /// between concat and sum but not from none to a flip mode.
  Report evaluate(const EvalNetwork& network, const std::string& out_dir) const override;

  /// Embeds `images` (names relative to config.data_dir).
  EmbeddingSet embed_images(const std::vector<std::string>& images, const EmbedFn& embed) const;
  const std::vector<Pair>& pairs() const { return pairs_.pairs; }

 private:
  EvalConfig config_;
  PreparedPairs pairs_;
};

/// A pairs file evaluated through one embedding function: a PairsFileSet bound to `embed`.
class Evaluator {
 public:
  /// See PairsFileSet; throws Error when `embed` is empty.
  Evaluator(EvalConfig config, EmbedFn embed);

  /// Evaluates and, when `out_dir` is not empty, writes report.json, roc.csv, roc.png and
  /// embeddings.pt there.
  Report run(const std::string& out_dir = "") const;
  EmbeddingSet embed_images(const std::vector<std::string>& images) const { return set_.embed_images(images, embed_); }

  const std::vector<Pair>& pairs() const { return set_.pairs(); }
  /// Recorded in the report (e.g. the checkpoint path); optional.
  void set_checkpoint(std::string name) { checkpoint_ = std::move(name); }

 private:
  PairsFileSet set_;
  EmbedFn embed_;
  std::string checkpoint_;
};

}  // namespace facenet::eval
