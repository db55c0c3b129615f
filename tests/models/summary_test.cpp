// The layer-by-layer summary: real output shapes and parameter totals.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "facenet/core/error.h"
#include "facenet/models/facenet.h"
#include "facenet/models/summary.h"

using namespace facenet::models;

TEST(Summary, ThousandsSeparators) {
  EXPECT_EQ(with_thousands(0), "0");
  EXPECT_EQ(with_thousands(999), "999");
  EXPECT_EQ(with_thousands(1000), "1,000");
  EXPECT_EQ(with_thousands(3338304), "3,338,304");
  EXPECT_EQ(with_thousands(-22793728), "-22,793,728");
}

TEST(Summary, MobileNetRowsShapesAndTotals) {
  auto model = make_model(facenet::ModelConfig{});
  model->train();
  const auto s = summarize(*model, 160);
  EXPECT_TRUE(model->is_training());  // mode restored
  ASSERT_EQ(s.rows.size(), 14u + 5u);  // conv_bn + 13 dw blocks, then the head
  EXPECT_EQ(s.rows[0].name, "backbone.stage1.0");
  EXPECT_EQ(s.rows[0].output_shape, (std::vector<int64_t>{1, 32, 80, 80}));
  EXPECT_EQ(s.rows[0].params, 3 * 32 * 9 + 2 * 32);
  EXPECT_EQ(s.rows[13].name, "backbone.stage3.1");
  EXPECT_EQ(s.rows[13].output_shape, (std::vector<int64_t>{1, 1024, 5, 5}));
  EXPECT_EQ(s.rows[16].name, "last_linear");
  EXPECT_EQ(s.rows[16].params, 1024 * 128);
  EXPECT_EQ(s.rows.back().output_shape, (std::vector<int64_t>{1, 128}));
  int64_t sum = 0;
  for (const auto& r : s.rows) sum += r.params;
  EXPECT_EQ(sum, 3338304);
  EXPECT_EQ(s.total_params, 3338304);
  EXPECT_EQ(s.trainable_params, 3338304);

  const auto text = format_summary(s);
  EXPECT_NE(text.find("Total params: 3,338,304\n"), std::string::npos) << text;
  EXPECT_NE(text.find("Trainable params: 3,338,304\n"), std::string::npos);
  EXPECT_NE(text.find("Non-trainable params: 0\n"), std::string::npos);
  EXPECT_NE(text.find("[1, 1024, 5, 5]"), std::string::npos);
}

TEST(Summary, InceptionResnetAt112) {
  facenet::ModelConfig c;
  c.backbone = facenet::Backbone::InceptionResNetV1;
  auto model = make_model(c);
  const auto s = summarize(*model, 112);
  ASSERT_EQ(s.rows.size(), 7u + 5 + 1 + 10 + 1 + 5 + 1 + 5);
  EXPECT_EQ(s.rows[0].name, "backbone.conv2d_1a");
  EXPECT_EQ(s.rows[0].output_shape, (std::vector<int64_t>{1, 32, 55, 55}));
  EXPECT_EQ(s.rows[29].name, "backbone.block8");
  EXPECT_EQ(s.rows[29].output_shape, (std::vector<int64_t>{1, 1792, 2, 2}));
  int64_t sum = 0;
  for (const auto& r : s.rows) sum += r.params;
  EXPECT_EQ(sum, 22793728);
}

TEST(Summary, TooSmallInputIsAConfigError) {
  facenet::ModelConfig c;
  c.backbone = facenet::Backbone::InceptionResNetV1;
  EXPECT_THROW(summary_text(c, 40), facenet::ConfigError);
}
