// The IoU tracker on hand-made boxes (moving, crossing, disappearing and reappearing faces) and
// the majority vote along a track.
#include "facenet/detect/tracker.h"

#include <gtest/gtest.h>

#include "facenet/core/error.h"
#include "support/error_of.h"

using namespace facenet::detect;
using facenet::test::error_of;

namespace {

cv::Rect2f box(float x, float y, float side = 40) { return {x, y, side, side}; }

}  // namespace

TEST(IouTracker, TwoFacesMovingKeepTheirIdsInOrderOfCreation) {
  IouTracker t;
  EXPECT_EQ(t.update({box(0, 0), box(200, 0)}), (std::vector<int64_t>{0, 1}));
  for (int f = 1; f < 10; ++f)  // 4 px a frame: IoU 36/44 with the last box
    EXPECT_EQ(t.update({box(200 - 4.f * f, 0), box(4.f * f, 0)}), (std::vector<int64_t>{1, 0})) << f;
  EXPECT_EQ(t.tracks(), 2);
  EXPECT_EQ(t.live(), 2u);
}

TEST(IouTracker, CrossingFacesFollowTheirBoxesNotTheListOrder) {
  // A moves right at y 0, B left at y 8, 10 px a frame; they pass each other at frame 5. The
  // faces are listed left to right, so the order swaps at the crossing. At frame 5 A's last box
  // (40,0) overlaps A's new one (50,0) by 30x40 (IoU 0.6) and B's (50,8) by 30x32 (IoU 0.43):
  // highest IoU first keeps each face on its track.
  IouTracker t;
  for (int f = 0; f <= 10; ++f) {
    const auto a = box(10.f * f, 0), b = box(100 - 10.f * f, 8);
    const bool a_left = a.x <= b.x;
    const auto ids = t.update(a_left ? std::vector<cv::Rect2f>{a, b} : std::vector<cv::Rect2f>{b, a});
    EXPECT_EQ(ids, a_left ? (std::vector<int64_t>{0, 1}) : (std::vector<int64_t>{1, 0})) << "frame " << f;
  }
  EXPECT_EQ(t.tracks(), 2);
}

TEST(IouTracker, HighestOverlapWinsAndTheOtherFaceStartsATrack) {
  IouTracker t;
  t.update({box(0, 0)});
  // Shifted by 4 px (IoU 36*40 / (2*1600 - 1440) = 0.818) and by 10 px (IoU 0.6): the closer
  // one continues track 0 although listed second.
  EXPECT_EQ(t.update({box(10, 0), box(4, 0)}), (std::vector<int64_t>{1, 0}));
}

TEST(IouTracker, BelowTheIouThresholdIsANewTrack) {
  IouTracker t;  // min_iou 0.3
  t.update({box(0, 0)});
  // 20 px: 20*40 / (3200 - 800) = 0.333 continues; then 24 px: 16*40 / (3200 - 640) = 0.25 does not.
  EXPECT_EQ(t.update({box(20, 0)}), (std::vector<int64_t>{0}));
  EXPECT_EQ(t.update({box(44, 0)}), (std::vector<int64_t>{1}));
  TrackerOptions strict;
  strict.min_iou = 0.5f;
  IouTracker s(strict);
  s.update({box(0, 0)});
  EXPECT_EQ(s.update({box(20, 0)}), (std::vector<int64_t>{1}));
}

TEST(IouTracker, AFaceMissingForUpToMaxMissedFramesRejoinsItsTrack) {
  TrackerOptions o;
  o.max_missed = 2;
  IouTracker t(o);
  EXPECT_EQ(t.update({box(0, 0), box(100, 0)}), (std::vector<int64_t>{0, 1}));
  // A is gone for 2 frames (B stays): it comes back as track 0.
  EXPECT_EQ(t.update({box(100, 0)}), (std::vector<int64_t>{1}));
  EXPECT_EQ(t.update({box(100, 0)}), (std::vector<int64_t>{1}));
  EXPECT_EQ(t.live(), 2u);
  EXPECT_EQ(t.update({box(2, 0), box(100, 0)}), (std::vector<int64_t>{0, 1}));
  // Gone for 3 frames: track 0 ended after its third miss; the face gets a new id (2, never 0 again).
  for (int f = 0; f < 3; ++f) EXPECT_EQ(t.update({box(100, 0)}), (std::vector<int64_t>{1}));
  EXPECT_EQ(t.live(), 1u);
  EXPECT_EQ(t.update({box(2, 0), box(100, 0)}), (std::vector<int64_t>{2, 1}));
  EXPECT_EQ(t.tracks(), 3);
}

TEST(IouTracker, MaxMissedZeroEndsATrackAtItsFirstMiss) {
  TrackerOptions o;
  o.max_missed = 0;
  IouTracker t(o);
  t.update({box(0, 0)});
  EXPECT_EQ(t.update({}), (std::vector<int64_t>{}));
  EXPECT_EQ(t.live(), 0u);
  EXPECT_EQ(t.update({box(0, 0)}), (std::vector<int64_t>{1}));
}

TEST(IouTracker, BadOptionsAreConfigErrors) {
  TrackerOptions o;
  o.min_iou = 0;
  EXPECT_THROW(IouTracker{o}, facenet::ConfigError);
  o.min_iou = 1.5f;
  EXPECT_NE(error_of([&] { IouTracker t(o); }).find("--track-iou: must lie in (0, 1]"), std::string::npos);
  o = {};
  o.max_missed = -1;
  EXPECT_NE(error_of([&] { IouTracker t(o); }).find("--track-gap: must be >= 0"), std::string::npos);
}

TEST(TrackVote, MajorityThenSmallestMeanDistanceThenName) {
  // Track 0: a, a, b -> a (2 of 3, mean 0.2). Track 1: a (0.5) vs b (0.3), one vote each -> b.
  // Track 2: no face. Track 3: x and y, one vote each at the same distance -> x.
  const std::vector<int64_t> track{0, 0, 1, 0, 1, 3, 3};
  const std::vector<std::string> label{"a", "a", "a", "b", "b", "y", "x"};
  const std::vector<double> distance{0.1, 0.3, 0.5, 0.05, 0.3, 0.2, 0.2};
  const auto v = vote_tracks(track, label, distance);
  ASSERT_EQ(v.size(), 4u);
  EXPECT_EQ(v[0].label, "a");
  EXPECT_EQ(v[0].votes, 2);
  EXPECT_EQ(v[0].faces, 3);
  EXPECT_DOUBLE_EQ(v[0].distance, 0.2);
  EXPECT_EQ(v[1].label, "b");
  EXPECT_DOUBLE_EQ(v[1].distance, 0.3);
  EXPECT_EQ(v[2].label, "");
  EXPECT_EQ(v[2].faces, 0);
  EXPECT_EQ(v[3].label, "x");
  EXPECT_THROW(vote_tracks({0}, {}, {}), facenet::Error);
}
