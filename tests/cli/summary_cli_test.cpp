// `facenet summary`: layer table and totals from the config; bad backbone exits 2.
#include <gtest/gtest.h>

#include "support/cli_runner.h"

using facenet::test::run_cli;

TEST(SummaryCli, MobileNetTotals) {
  auto r = run_cli("summary --set model.backbone=mobilenet");
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("Total params: 3,338,304"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("Trainable params: 3,338,304"), std::string::npos);
  EXPECT_NE(r.output.find("backbone.stage3.1 (DepthwiseSeparable)"), std::string::npos);
  EXPECT_NE(r.output.find("[1, 1024, 5, 5]"), std::string::npos);
}

TEST(SummaryCli, InceptionResnet512At112) {
  auto r = run_cli(
      "summary --set model.backbone=inception_resnet_v1 --set model.embedding_size=512 "
      "--set data.preprocess.image_size=112");
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("Total params: 23,482,624"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("backbone.block8 (Block8)"), std::string::npos);
  EXPECT_NE(r.output.find("[1, 1792, 2, 2]"), std::string::npos);
}

TEST(SummaryCli, UnknownBackboneExitsTwo) {
  auto r = run_cli("summary --set model.backbone=resnet50");
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("model.backbone"), std::string::npos) << r.output;
}
