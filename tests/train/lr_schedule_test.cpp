#include "facenet/train/lr_schedule.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace facenet;
using facenet::train::learning_rate;

TEST(LrSchedule, CosineWarmupDecayAndFlatTail) {
  TrainConfig c;
  c.schedule = ScheduleKind::Cosine;
  c.lr = 1e-3;
  c.min_lr = 1e-5;
  c.warmup_epochs = 3;
  c.warmup_start = 0.1;
  c.flat_epochs = 15;
  // 100 epochs: warm-up 0..3, cosine 3..85, flat 85..100.
  EXPECT_NEAR(learning_rate(c, 0.0, 100), 1e-4, 1e-12);                      // starts at 0.1*lr
  EXPECT_NEAR(learning_rate(c, 1.5, 100), 9e-4 * 0.25 + 1e-4, 1e-12);        // (lr-s)(1/2)^2+s = 3.25e-4
  EXPECT_NEAR(learning_rate(c, 3.0, 100), 1e-3, 1e-12);                      // peak
  EXPECT_NEAR(learning_rate(c, 44.0, 100), 1e-5 + 0.5 * (1e-3 - 1e-5), 1e-12);  // half-way: cos(pi/2)=0
  EXPECT_NEAR(learning_rate(c, 85.0, 100), 1e-5, 1e-12);
  EXPECT_NEAR(learning_rate(c, 99.9, 100), 1e-5, 1e-12);
  // A quarter of the way: min + (lr-min)/2 (1 + cos(pi/4)).
  EXPECT_NEAR(learning_rate(c, 3.0 + 82.0 / 4, 100), 1e-5 + 0.5 * (1e-3 - 1e-5) * (1 + std::sqrt(0.5)), 1e-12);
}

TEST(LrSchedule, CosineShortRunsKeepADecayPhase) {
  TrainConfig c;
  c.lr = 1.0;
  c.min_lr = 0.0;
  c.warmup_epochs = 3;
  c.flat_epochs = 15;
  // 10 epochs: warm-up and tail are capped at 3 epochs each -> decay over 3..7.
  EXPECT_NEAR(learning_rate(c, 5.0, 10), 0.5, 1e-12);
  EXPECT_NEAR(learning_rate(c, 7.0, 10), 0.0, 1e-12);
}

TEST(LrSchedule, StepMultiStepAndConstant) {
  TrainConfig c;
  c.lr = 0.1;
  c.gamma = 0.1;
  c.schedule = ScheduleKind::Step;
  c.step_size = 10;
  EXPECT_NEAR(learning_rate(c, 9.99, 100), 0.1, 1e-12);
  EXPECT_NEAR(learning_rate(c, 10.0, 100), 0.01, 1e-12);
  EXPECT_NEAR(learning_rate(c, 25.0, 100), 0.001, 1e-12);
  c.schedule = ScheduleKind::MultiStep;
  c.milestones = {60, 80};
  EXPECT_NEAR(learning_rate(c, 59.5, 100), 0.1, 1e-12);
  EXPECT_NEAR(learning_rate(c, 60.0, 100), 0.01, 1e-12);
  EXPECT_NEAR(learning_rate(c, 85.0, 100), 0.001, 1e-12);
  c.schedule = ScheduleKind::Constant;
  EXPECT_DOUBLE_EQ(learning_rate(c, 50.0, 100), 0.1);
}

TEST(LrSchedule, PolyIsArcfaceTorchsLinearWarmupThenLinearDecay) {
  TrainConfig c;
  c.schedule = ScheduleKind::Poly;
  c.lr = 0.1;
  c.warmup_epochs = 2;
  c.warmup_start = 0.0;  // insightface warms up from 0
  EXPECT_DOUBLE_EQ(facenet::train::learning_rate(c, 0.0, 20), 0.0);
  EXPECT_DOUBLE_EQ(facenet::train::learning_rate(c, 1.0, 20), 0.05);
  EXPECT_DOUBLE_EQ(facenet::train::learning_rate(c, 2.0, 20), 0.1);
  EXPECT_NEAR(facenet::train::learning_rate(c, 11.0, 20), 0.1 * (1 - 9.0 / 18.0), 1e-15);
  EXPECT_NEAR(facenet::train::learning_rate(c, 20.0, 20), 0.0, 1e-15);
  c.warmup_epochs = 0;  // arcface_torch's ms1mv3_r50: no warm-up
  EXPECT_DOUBLE_EQ(facenet::train::learning_rate(c, 0.0, 20), 0.1);
  EXPECT_NEAR(facenet::train::learning_rate(c, 5.0, 20), 0.075, 1e-15);
}
