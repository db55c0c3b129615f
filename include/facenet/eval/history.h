#pragma once
// Held-out verification accuracy over a training run: the CSV and PNG the trainer rewrites
// after every evaluation (eval/history.csv, eval/history.png).
#include <cstdint>
#include <string>
#include <vector>

namespace facenet::eval {

struct HistoryPoint {
  double minutes = 0;  ///< wall-clock minutes since the run (or its resume) started
  int64_t step = 0;
  double epoch = 0;
  double accuracy = 0;
  double accuracy_std = 0;
  double auc = 0;
  std::string set;  ///< the verification set (eval.sets); empty for the single eval.pairs
};

/// `minutes,step,epoch,accuracy,accuracy_std,auc` lines with a header; when any point names a
/// set, `minutes,step,epoch,set,accuracy,accuracy_std,auc` (one line per set and evaluation).
std::string history_csv(const std::vector<HistoryPoint>& points);

/// Accuracy (and AUC) against minutes, as a PNG; written atomically. With named sets: one
/// accuracy line per set (in order of first appearance), no AUC line.
void write_history_png(const std::string& path, const std::vector<HistoryPoint>& points, const std::string& title);

}  // namespace facenet::eval
