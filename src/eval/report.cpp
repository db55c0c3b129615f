#include "facenet/eval/report.h"

#include <fmt/format.h>

#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "facenet/core/fs.h"

namespace facenet::eval {
namespace {

template <class F>
nlohmann::json per_fold(const VerificationReport& m, F get) {
  auto a = nlohmann::json::array();
  for (const auto& f : m.folds) a.push_back(get(f));
  return a;
}

std::string pct(double v) { return std::isnan(v) ? "n/a" : fmt::format("{:.2f}%", 100 * v); }

}  // namespace

std::string to_json(const Report& report) {
  const auto& m = report.metrics;
  const auto& i = report.info;
  nlohmann::json j;
  j["accuracy_mean"] = m.accuracy_mean;
  j["accuracy_std"] = m.accuracy_std;
  j["fold_thresholds"] = per_fold(m, [](const FoldResult& f) { return f.threshold; });
  j["fold_accuracies"] = per_fold(m, [](const FoldResult& f) { return f.accuracy; });
  j["fold_train_accuracies"] = per_fold(m, [](const FoldResult& f) { return f.train_accuracy; });
  j["fold_val_thresholds"] = per_fold(m, [](const FoldResult& f) { return f.val_threshold; });
  j["fold_vals"] = per_fold(m, [](const FoldResult& f) { return f.val; });
  j["fold_fars"] = per_fold(m, [](const FoldResult& f) { return f.far; });
  j["fold_sizes"] = per_fold(m, [](const FoldResult& f) { return f.range.end - f.range.begin; });
  j["val_mean"] = m.val_mean;
  j["val_std"] = m.val_std;
  j["far_mean"] = m.far_mean;
  j["far_target"] = m.far_target;
  j["auc"] = m.auc;
  j["eer"] = m.eer;
  auto tars = nlohmann::json::array();
  for (const auto& t : m.tar_at_far) tars.push_back({{"far_target", t.far_target}, {"tar", t.tar}, {"far", t.far}});
  j["tar_at_far"] = tars;
  j["threshold_at_far"] = m.threshold_at_far;
  j["val_at_threshold"] = m.val_at_threshold;
  j["far_at_threshold"] = m.far_at_threshold;
  j["fraction_beyond_grid"] = m.fraction_beyond_grid;
  j["num_pairs"] = m.num_pairs;
  j["num_same"] = m.num_same;
  j["num_diff"] = m.num_diff;
  j["num_images"] = i.num_images;
  j["num_missing"] = i.num_missing;
  j["num_dropped_pairs"] = i.num_dropped_pairs;
  j["embedding_dim"] = i.embedding_dim;
  j["distance"] = to_string(i.config.distance);
  j["flip"] = to_string(i.config.flip);
  j["subtract_mean"] = i.config.subtract_mean;
  j["interleave_folds"] = i.config.interleave_folds;
  j["folds"] = i.config.folds;
  j["threshold_step"] = i.config.threshold_step;
  j["threshold_max"] = i.config.threshold_max;
  j["pairs_file"] = i.pairs_file;
  j["data_dir"] = i.data_dir;
  j["checkpoint"] = i.checkpoint;
  j["embeddings_file"] = i.embeddings_file;
  if (const auto& c = i.cropping; c.active)
    j["face_detection"] = {{"detector", to_string(c.crop.detector)},
                           {"crop_rule", to_string(c.crop.rule)},
                           {"margin", c.crop.margin},
                           {"size", c.size},
                           {"photos", c.photos},
                           {"without_face", c.without_face},
                           {"without_face_action", "centre_square"},
                           {"haar_fallbacks", c.haar_fallbacks}};
  return j.dump(2) + "\n";  // nlohmann writes NaN as null
}

std::string format_table(const Report& report) {
  const auto& m = report.metrics;
  const auto& c = report.info.config;
  std::string s;
  s += fmt::format("Verification: {} pairs ({} same, {} different), {} folds, distance {}, flip {}{}\n", m.num_pairs,
                   m.num_same, m.num_diff, m.folds.size(), to_string(c.distance), to_string(c.flip),
                   c.subtract_mean ? ", subtract_mean" : "");
  if (const auto& f = report.info.cropping; f.active)
    s += fmt::format("  faces: {} photos, detector {}, crop {} (margin {}) to {} px; {} without a face (their centre "
                     "square embedded){}\n",
                     f.photos, to_string(f.crop.detector), to_string(f.crop.rule), f.crop.margin, f.size,
                     f.without_face,
                     f.haar_fallbacks > 0 ? fmt::format(", {} found by the Haar fallback", f.haar_fallbacks) : "");
  if (report.info.num_dropped_pairs > 0)
    s += fmt::format("  skipped {} pairs ({} missing images)\n", report.info.num_dropped_pairs, report.info.num_missing);
  s += fmt::format("  Accuracy        {:.5f} +- {:.5f}\n", m.accuracy_mean, m.accuracy_std);
  s += fmt::format("  VAL @ FAR={:g}  {:.5f} +- {:.5f} (FAR {:.5f})\n", m.far_target, m.val_mean, m.val_std, m.far_mean);
  s += fmt::format("  AUC             {:.5f}\n", m.auc);
  s += fmt::format("  EER             {:.5f}\n", m.eer);
  for (const auto& t : m.tar_at_far) s += fmt::format("  TAR @ FAR={:<6g} {}\n", t.far_target, pct(t.tar));
  s += fmt::format("  Threshold @ FAR={:g} over all pairs: {:.4f} (TAR {}, FAR {})\n", m.far_target,
                   m.threshold_at_far, pct(m.val_at_threshold), pct(m.far_at_threshold));
  s += "  fold  pairs  threshold  accuracy  val_threshold     val      far\n";
  for (std::size_t k = 0; k < m.folds.size(); ++k) {
    const auto& f = m.folds[k];
    s += fmt::format("  {:>4}  {:>5}  {:>9.2f}  {:>8.5f}  {:>13.4f}  {:>6.4f}  {:>7.5f}\n", k + 1,
                     f.range.end - f.range.begin, f.threshold, f.accuracy, f.val_threshold, f.val, f.far);
  }
  return s;
}

std::string roc_csv(const Roc& roc) {
  std::string s = "fpr,tpr,threshold\n";
  for (std::size_t i = 0; i < roc.fpr.size(); ++i)
    s += fmt::format("{:.9g},{:.9g},{:.9g}\n", roc.fpr[i], roc.tpr[i], roc.thresholds[i]);
  return s;
}

void write_report(const std::string& out_dir, const Report& report) {
  const std::filesystem::path dir(out_dir);
  write_file_atomic((dir / "report.json").string(), to_json(report));
  write_file_atomic((dir / "roc.csv").string(), roc_csv(report.metrics.roc));
  write_roc_png((dir / "roc.png").string(), report.metrics, report.info.config.roc_log_fpr);
}

}  // namespace facenet::eval
