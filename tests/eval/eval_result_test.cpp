// An evaluation's result: the score best.pt follows and the metric rows metrics.csv/jsonl and
// TensorBoard write, with the names runs have always used.
#include "facenet/eval/eval_result.h"

#include <gtest/gtest.h>

#include "facenet/core/error.h"

using namespace facenet;
using namespace facenet::eval;

namespace {

SetReport set(const std::string& name, const std::string& key, double accuracy) {
  SetReport s{name, key, "", {}};
  auto& m = s.report.metrics;
  m.accuracy_mean = accuracy, m.accuracy_std = 0.01, m.val_mean = 0.5, m.far_mean = 0.001;
  m.auc = 0.9, m.eer = 0.1, m.threshold_at_far = 1.25;
  return s;
}

}  // namespace

TEST(EvalResult, BestScoreIsTheMeanOrTheNamedSet) {
  EvalResult r{{set("lfw", "lfw", 0.9), set("cfp_fp", "cfp_fp", 0.7)}};
  EXPECT_DOUBLE_EQ(r.best_score(), 0.8);
  r.best_by = "cfp_fp";
  EXPECT_DOUBLE_EQ(r.best_score(), 0.7);
  r.best_by = "agedb_30";
  EXPECT_THROW(r.best_score(), Error);
  EXPECT_THROW(EvalResult{}.best_score(), Error);
}

TEST(EvalResult, ALoneUnnamedSetKeepsThePlainNames) {
  // eval.pairs alone: the columns and tags of runs before eval.sets, in this order.
  const auto rows = EvalResult{{set("pairs", "", 0.75)}}.metric_rows();
  const std::vector<std::tuple<std::string, std::string, double>> expected{
      {"eval_accuracy", "eval/accuracy", 0.75},         {"eval_accuracy_std", "eval/accuracy_std", 0.01},
      {"eval_val", "eval/val_at_far", 0.5},             {"eval_far", "eval/far", 0.001},
      {"eval_auc", "eval/auc", 0.9},                    {"eval_eer", "eval/eer", 0.1},
      {"eval_threshold_at_far", "eval/threshold_at_far", 1.25}};
  ASSERT_GE(rows.size(), expected.size());  // then any registered metric
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(rows[i].column, std::get<0>(expected[i]));
    EXPECT_EQ(rows[i].tag, std::get<1>(expected[i]));
    EXPECT_DOUBLE_EQ(rows[i].value, std::get<2>(expected[i]));
  }
}

TEST(EvalResult, NamedSetsGetTheirOwnRowsAfterTheScore) {
  EvalResult r{{set("pairs", "pairs", 0.9), set("lfw", "lfw", 0.6)}, "lfw"};
  const auto rows = r.metric_rows();
  ASSERT_FALSE(rows.empty());
  EXPECT_EQ(rows[0].column, "eval_accuracy");
  EXPECT_EQ(rows[0].tag, "eval/accuracy");
  EXPECT_DOUBLE_EQ(rows[0].value, 0.6);  // best_by lfw
  auto find = [&](const std::string& column) {
    for (const auto& row : rows)
      if (row.column == column) return row;
    ADD_FAILURE() << column << " missing";
    return MetricValue{};
  };
  EXPECT_DOUBLE_EQ(find("eval_pairs_accuracy").value, 0.9);
  EXPECT_EQ(find("eval_lfw_val").tag, "eval/lfw/val_at_far");
  EXPECT_EQ(find("eval_lfw_threshold_at_far").tag, "eval/lfw/threshold_at_far");
  EXPECT_EQ(metric_tag("lfw", "roc"), "eval/lfw/roc");
  EXPECT_EQ(metric_tag("", "roc"), "eval/roc");
}

TEST(EvalResult, SetsTableHasOneRowPerSetAndTheMean) {
  const auto table = format_sets_table({set("lfw", "lfw", 0.99), set("cfp_fp", "cfp_fp", 0.91)});
  EXPECT_NE(table.find("lfw"), std::string::npos);
  EXPECT_NE(table.find("cfp_fp"), std::string::npos);
  EXPECT_NE(table.find("0.95000"), std::string::npos);  // the mean
}
