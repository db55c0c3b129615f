#pragma once
// The evaluation report: console table, report.json, roc.csv and the ROC curve PNG.
#include <cstdint>
#include <string>

#include "facenet/core/config.h"
#include "facenet/detect/crop.h"
#include "facenet/eval/verification.h"

namespace facenet::eval {

/// What was evaluated, alongside the numbers.
struct EvalInfo {
  EvalConfig config;            ///< distance, flip, subtract_mean, folds, grid, far_target
  std::string pairs_file;
  std::string data_dir;
  std::string checkpoint;       ///< empty when not from a checkpoint
  std::string embeddings_file;  ///< where the embeddings were written or read; may be empty
  int64_t num_images = 0;       ///< distinct images embedded
  int64_t embedding_dim = 0;    ///< after the flip combination
  int64_t num_missing = 0;      ///< missing images (skip_missing)
  int64_t num_dropped_pairs = 0;
  detect::CropSummary cropping;  ///< eval --detect: faces cut from photos (active), else inactive
};

struct Report {
  VerificationReport metrics;
  EvalInfo info;
};

/// A human-readable summary: headline numbers then one row per fold.
std::string format_table(const Report& report);

/// report.json text. Keys: accuracy_mean, accuracy_std, fold_thresholds, fold_accuracies,
/// fold_train_accuracies, fold_val_thresholds, fold_vals, fold_fars, fold_sizes, val_mean, val_std,
/// far_mean, far_target, auc, eer, tar_at_far [{far_target, tar, far}], threshold_at_far,
/// val_at_threshold, far_at_threshold, num_pairs, num_same, num_diff, num_images, num_missing,
/// num_dropped_pairs, embedding_dim, distance, flip, subtract_mean, interleave_folds, folds,
/// threshold_step, threshold_max, pairs_file, data_dir, checkpoint, embeddings_file, and with
/// eval --detect face_detection {detector, crop_rule, margin, size, photos, without_face,
/// without_face_action: "centre_square", haar_fallbacks}. NaN -> null.
std::string to_json(const Report& report);

/// `fpr,tpr,threshold` lines of the all-pairs ROC (accept dist <= threshold).
std::string roc_csv(const Roc& roc);

/// Draws TPR against FPR (linear or log10 FPR axis from 1e-4) with the EER point, the TAR@FAR
/// points and the threshold_at_far point marked, and writes the PNG atomically (OpenCV).
void write_roc_png(const std::string& path, const VerificationReport& metrics, bool log_fpr);

/// Writes <out_dir>/report.json, roc.csv and roc.png (all atomic).
void write_report(const std::string& out_dir, const Report& report);

}  // namespace facenet::eval
