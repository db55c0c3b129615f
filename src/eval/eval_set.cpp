#include "facenet/eval/eval_set.h"

#include <algorithm>
#include <filesystem>

#include "facenet/core/error.h"
#include "facenet/eval/bin_sets.h"
#include "facenet/eval/evaluator.h"

namespace facenet::eval {
namespace fs = std::filesystem;
namespace {

// The table behind set_types(): a function-local static, so registration needs no global
// constructor order. One line per built-in set type.
std::vector<SetType>& types() {
  static std::vector<SetType> table{
      bin_set_type(),
  };
  return table;
}

const SetType& type_of(const std::string& path) {
  const auto ext = fs::path(path).extension().string();
  for (const auto& t : types())
    if (t.extension == ext) return t;
  return types().front();
}

bool has_set_extension(const fs::path& path) {
  const auto ext = path.extension().string();
  return std::any_of(types().begin(), types().end(), [&](const SetType& t) { return t.extension == ext; });
}

std::string extensions() {
  std::string s;
  for (const auto& t : types()) s += (s.empty() ? "" : ", ") + t.extension;
  return s;
}

}  // namespace

const std::vector<SetType>& set_types() { return types(); }

void register_set_type(SetType type) {
  if (type.name.empty() || type.extension.empty() || !type.open)
    throw Error("register_set_type: a set type needs a name, an extension and an opener");
  for (auto& t : types()) {
    if (t.name == type.name) {
      t = std::move(type);
      return;
    }
    if (t.extension == type.extension)
      throw Error("register_set_type: " + type.extension + " files are read by the set type '" + t.name + "'");
  }
  types().push_back(std::move(type));
}

std::vector<std::string> expand_eval_sets(const std::vector<std::string>& entries, const std::string& base) {
  std::vector<std::string> out;
  for (const auto& entry : entries) {
    fs::path p(entry);
    if (p.is_relative() && !base.empty()) p = fs::path(base) / p;
    if (fs::is_directory(p)) {
      std::vector<std::string> found;
      for (const auto& e : fs::directory_iterator(p))
        if (e.is_regular_file() && has_set_extension(e.path())) found.push_back(e.path().string());
      if (found.empty()) throw Error("no verification sets (" + extensions() + ") in folder '" + p.string() + "'");
      std::sort(found.begin(), found.end());
      out.insert(out.end(), found.begin(), found.end());
    } else if (fs::is_regular_file(p)) {
      out.push_back(p.string());
    } else {
      throw Error("verification set '" + p.string() + "' does not exist" +
                  (base.empty() || fs::path(entry).is_absolute() ? std::string() : " (relative to '" + base + "')"));
    }
  }
  return out;
}

void EvalSuite::add(std::unique_ptr<EvalSet> set) {
  const auto name = set->name();
  if (name.empty() || name == "mean") throw Error("an evaluation set may not be named '" + name + "'");
  for (const auto& s : sets_)
    if (s->name() == name) throw Error("two verification sets are named '" + name + "'");
  sets_.push_back(std::move(set));
}

std::vector<std::string> EvalSuite::names() const {
  std::vector<std::string> out;
  for (const auto& s : sets_) out.push_back(s->name());
  return out;
}

void EvalSuite::set_best_by(const std::string& best_by) {
  const auto all = names();
  if (best_by != "mean" && best_by != "min" && std::find(all.begin(), all.end(), best_by) == all.end()) {
    std::string list;
    for (const auto& n : all) list += (list.empty() ? "" : ", ") + n;
    throw ConfigError("eval.best_by (" + best_by + ") must be mean, min or one of the sets: " + list);
  }
  best_by_ = best_by;
}

EvalResult EvalSuite::run(const EvalNetwork& network, const std::string& out_dir) const {
  EvalResult result;
  result.best_by = best_by_;
  const bool named = named_ || sets_.size() > 1;
  for (const auto& set : sets_) {
    SetReport r;
    r.name = set->name();
    r.key = named ? r.name : "";
    const auto folder = set->folder();
    r.out_dir = out_dir.empty() || folder.empty() ? out_dir : (fs::path(out_dir) / folder).string();
    r.report = set->evaluate(network, r.out_dir);
    result.sets.push_back(std::move(r));
  }
  return result;
}

EvalSuite open_eval_suite(const EvalConfig& config, const std::string& sets_base) {
  EvalSuite suite;
  std::string pairs_name;
  if (!config.pairs.empty()) {
    auto pairs = std::make_unique<PairsFileSet>(config);
    pairs_name = pairs->name();
    suite.add(std::move(pairs));
  }
  for (const auto& path : expand_eval_sets(config.sets, sets_base)) {
    auto set = type_of(path).open(path, config);
    try {
      suite.add(std::move(set));
    } catch (const Error& e) {
      throw Error(std::string(e.what()) + " (" + path + ")");
    }
  }
  const auto names = suite.names();
  const bool pairs_alias = config.best_by == "pairs" && !pairs_name.empty() &&
                           std::find(names.begin(), names.end(), "pairs") == names.end();
  suite.set_best_by(pairs_alias ? pairs_name : config.best_by);
  // eval.pairs alone keeps the plain figure names it had before eval.sets.
  suite.name_figures(!config.sets.empty());
  return suite;
}

}  // namespace facenet::eval
