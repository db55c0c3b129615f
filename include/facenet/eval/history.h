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
};

/// `minutes,step,epoch,accuracy,accuracy_std,auc` lines with a header.
std::string history_csv(const std::vector<HistoryPoint>& points);

/// Accuracy (and AUC) against minutes, as a PNG; written atomically.
void write_history_png(const std::string& path, const std::vector<HistoryPoint>& points, const std::string& title);

}  // namespace facenet::eval
