// Multiply-accumulate counts behind `facenet bench`'s GFLOP/s and share-of-peak figures.
#include <gtest/gtest.h>

#include "facenet/infer/inference.h"
#include "facenet/models/facenet.h"

using namespace facenet;

TEST(InferenceMacs, MobileNetAt160ByHand) {
  // conv 3->32 s2 (80x80), then 13 depthwise-separable blocks (dw 3x3 + pw 1x1), then the
  // 1024->128 linear: summed by hand per layer = 289,782,272 (the usual ~0.29 GMAC).
  auto model = models::make_model(ModelConfig{});
  EXPECT_EQ(infer::inference_macs(*model, 160), 289782272);
  // At 112 px the maps are 56, 56, 28, 28, 14, 14, 7, ..., 4, 4 (odd sizes round up): 148,010,240.
  EXPECT_EQ(infer::inference_macs(*model, 112), 148010240);
}

TEST(InferenceMacs, InceptionResnetAt160IsThePublishedFigure) {
  ModelConfig c;
  c.backbone = Backbone::InceptionResNetV1;
  auto model = models::make_model(c);
  EXPECT_NEAR(double(infer::inference_macs(*model, 160)) / 1e9, 1.42, 0.03);
}
