// report.json, the console table and the ROC PNG.
#include "facenet/eval/report.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <limits>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>

#include "facenet/core/fs.h"

using namespace facenet;
using namespace facenet::eval;

namespace {
Report fixture_report() {
  EvalConfig c;
  c.folds = 2, c.threshold_max = 1.0, c.threshold_step = 0.25, c.far_target = 0.5;
  c.distance = Distance::Cosine;
  Report r;
  // The verification_test fixture: fold accuracies .5 and .75.
  r.metrics = evaluate_distances({0.1, 0.6, 0.4, 0.9, 0.2, 0.3, 0.7, 0.8},
                                 {true, true, false, false, true, true, false, false}, c);
  r.info.config = c;
  r.info.num_missing = 3;
  r.info.num_dropped_pairs = 2;
  return r;
}
}  // namespace

TEST(Report, JsonHasEveryNumber) {
  const auto j = nlohmann::json::parse(to_json(fixture_report()));
  EXPECT_DOUBLE_EQ(j["accuracy_mean"].get<double>(), 0.625);
  EXPECT_DOUBLE_EQ(j["accuracy_std"].get<double>(), 0.125);
  EXPECT_EQ(j["fold_thresholds"], nlohmann::json::array({0.5, 0.25}));
  EXPECT_EQ(j["fold_accuracies"], nlohmann::json::array({0.5, 0.75}));
  EXPECT_EQ(j["fold_sizes"], nlohmann::json::array({4, 4}));
  EXPECT_DOUBLE_EQ(j["auc"].get<double>(), 0.9375);
  EXPECT_DOUBLE_EQ(j["eer"].get<double>(), 0.25);
  EXPECT_DOUBLE_EQ(j["far_mean"].get<double>(), 0.75);
  EXPECT_DOUBLE_EQ(j["tar_at_far"][0]["tar"].get<double>(), 0.75);
  EXPECT_EQ(j["num_missing"], 3);
  EXPECT_EQ(j["num_dropped_pairs"], 2);
  EXPECT_EQ(j["distance"], "cosine");
  EXPECT_EQ(j["flip"], "none");
  EXPECT_TRUE(j.contains("threshold_at_far"));
}

TEST(Report, NaNBecomesNull) {
  auto r = fixture_report();
  r.metrics.auc = std::numeric_limits<double>::quiet_NaN();
  EXPECT_TRUE(nlohmann::json::parse(to_json(r))["auc"].is_null());
}

TEST(Report, TableShowsHeadlineAndFolds) {
  const auto t = format_table(fixture_report());
  EXPECT_NE(t.find("Accuracy        0.62500 +- 0.12500"), std::string::npos) << t;
  EXPECT_NE(t.find("skipped 2 pairs (3 missing images)"), std::string::npos) << t;
  EXPECT_NE(t.find("AUC             0.93750"), std::string::npos) << t;
  EXPECT_NE(t.find("0.50000"), std::string::npos) << t;  // fold 1's accuracy
}

TEST(Report, RocPngLinearAndLog) {
  const auto dir = std::filesystem::temp_directory_path() / "facenet_eval_report";
  auto r = fixture_report();
  write_report(dir.string(), r);
  for (const char* f : {"report.json", "roc.csv", "roc.png"}) EXPECT_TRUE(std::filesystem::exists(dir / f)) << f;
  const auto lin = cv::imread((dir / "roc.png").string());
  ASSERT_EQ(lin.rows, 640);
  write_roc_png((dir / "log.png").string(), r.metrics, true);
  const auto log = cv::imread((dir / "log.png").string());
  ASSERT_EQ(log.cols, 720);
  // The two axes draw the curve differently.
  EXPECT_GT(cv::norm(lin, log, cv::NORM_L1), 0.0);
  // roc.csv: header + 9 points.
  const auto csv = read_file((dir / "roc.csv").string());
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 10);
  std::filesystem::remove_all(dir);
}
