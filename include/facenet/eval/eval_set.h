#pragma once
// Evaluation sets: every verification set an evaluation runs goes through this seam. A set
// embeds its images through the network under test and gives a Report; an EvalSuite runs its
// sets in order into one EvalResult. eval.pairs is a set named after its file; each eval.sets
// entry is opened by the set type that reads its file extension (.bin: insightface's sets).
//
// A new kind of set: a class implementing EvalSet and a SetType naming its extension and
// opener, registered with one line (set_types()' table in eval_set.cpp, or register_set_type
// in a program); see tests/eval/toy_eval_set_test.cpp.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "facenet/core/config.h"
#include "facenet/detect/crop.h"
#include "facenet/eval/eval_result.h"
#include "facenet/infer/embed_fn.h"

namespace facenet::eval {

/// The network under evaluation, in the forms the sets need.
struct EvalNetwork {
  EmbedFn files;           ///< image files (pairs files)
  BytesEmbedFn bytes;      ///< encoded images (.bin sets)
  std::string checkpoint;  ///< recorded in each report: a path, "untrained" or empty
  /// When `files` detects and crops faces in photos (`eval --detect`): what it did so far,
  /// recorded in the pairs set's report after embedding. Empty otherwise.
  std::function<detect::CropSummary()> cropping = nullptr;
};

class EvalSet {
 public:
  virtual ~EvalSet() = default;
  /// Unique within an evaluation: it names the set's figures, its folder and eval.best_by.
  virtual std::string name() const = 0;
  /// Where its files go, relative to the evaluation's folder: its name, unless it says otherwise.
  virtual std::string folder() const { return name(); }
  /// Embeds the set through `network`, runs the protocol and, when `out_dir` is not empty,
  /// writes report.json, roc.csv, roc.png (and embeddings.pt) there.
  virtual Report evaluate(const EvalNetwork& network, const std::string& out_dir) const = 0;
};

/// A kind of set an eval.sets entry names, known by its file extension.
struct SetType {
  std::string name;       ///< "bin"
  std::string extension;  ///< ".bin": entries, and files in an entry folder, ending so
  std::function<std::unique_ptr<EvalSet>(const std::string& path, const EvalConfig& config)> open;
};

/// The set types, built-in first. A file no extension matches is read by the first (.bin: what
/// eval.sets has always meant).
const std::vector<SetType>& set_types();
/// Adds a set type, or replaces the one of the same name (before evaluating). Throws Error
/// when another type reads its extension.
void register_set_type(SetType type);

/// eval.sets entries -> set files: a file as is, a folder -> its files a set type reads, sorted
/// by name. Relative entries are joined onto `base` when it is not empty. Throws Error for a
/// missing entry or a folder without sets.
std::vector<std::string> expand_eval_sets(const std::vector<std::string>& entries, const std::string& base = "");

/// The sets of one evaluation, in order, and what best.pt follows.
class EvalSuite {
 public:
  /// Throws Error when the name is taken (or is "mean").
  void add(std::unique_ptr<EvalSet> set);
  /// eval.best_by: "mean", "min" or a set's name; ConfigError naming the sets otherwise.
  void set_best_by(const std::string& best_by);
  /// false: a lone set's figures keep plain names (SetReport::key empty), as eval.pairs' did
  /// before eval.sets existed.
  void name_figures(bool named) { named_ = named; }

  std::vector<std::string> names() const;
  bool empty() const { return sets_.empty(); }

  /// Every set through `network`, each writing into out_dir/<its folder> when out_dir is set.
  EvalResult run(const EvalNetwork& network, const std::string& out_dir = "") const;

 private:
  std::vector<std::unique_ptr<EvalSet>> sets_;
  std::string best_by_ = "mean";
  bool named_ = true;
};

/// The evaluation `config` describes: eval.pairs (a set named after its file, images checked
/// under eval.data_dir) then each eval.sets entry (expand_eval_sets against `sets_base`) opened
/// by its set type; eval.best_by checked against their names ("pairs" also names the eval.pairs
/// set, as it did before sets were named after their files). Empty when neither is set.
EvalSuite open_eval_suite(const EvalConfig& config, const std::string& sets_base = "");

}  // namespace facenet::eval
