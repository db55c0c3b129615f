// Batch composition of each sampling mode and exact resume from a serialised state.
#include "facenet/data/sampler.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "facenet/core/error.h"

using namespace facenet;
using namespace facenet::data;

namespace {

/// Identity i has sizes[i] images (items numbered in order; the sampler needs no source).
Dataset make(const std::vector<int>& sizes) {
  Dataset ds;
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    ds.identities.push_back("id" + std::to_string(i));
    for (int j = 0; j < sizes[i]; ++j) ds.samples.push_back({ds.size(), int64_t(i)});
  }
  return ds;
}

}  // namespace

TEST(Sampler, TripletBatchesAreAnchorsPositivesNegatives) {
  const auto ds = make({5, 1, 3, 4, 1, 2});  // identities 1 and 4 can never be anchors
  BatchSampler sampler(ds, SamplingMode::Triplet, 30, 11);
  std::set<int64_t> anchor_ids, negative_ids;
  for (int b = 0; b < 20; ++b) {
    const auto batch = sampler.next();
    ASSERT_EQ(batch.size(), 30u);
    for (int t = 0; t < 10; ++t) {
      const auto& a = ds.samples[batch[t]];
      const auto& p = ds.samples[batch[10 + t]];
      const auto& n = ds.samples[batch[20 + t]];
      EXPECT_EQ(a.label, p.label);
      EXPECT_NE(batch[t], batch[10 + t]) << "anchor and positive must be distinct images";
      EXPECT_NE(a.label, n.label);
      anchor_ids.insert(a.label);
      negative_ids.insert(n.label);
    }
  }
  EXPECT_EQ(anchor_ids, (std::set<int64_t>{0, 2, 3, 5}));
  EXPECT_EQ(negative_ids.size(), 6u);  // any identity can be a negative
  EXPECT_EQ(sampler.batches_drawn(), 20);
}

TEST(Sampler, TripletNeedsMultipleOfThreeAndAPair) {
  EXPECT_THROW(BatchSampler(make({3, 3}), SamplingMode::Triplet, 10, 1), Error);
  EXPECT_THROW(BatchSampler(make({1, 1, 1}), SamplingMode::Triplet, 9, 1), Error);
  EXPECT_THROW(BatchSampler(make({4}), SamplingMode::Triplet, 9, 1), Error);
}

TEST(Sampler, PKBatchesHaveDistinctIdentitiesWithKImagesEach) {
  const auto ds = make({6, 2, 5, 1, 7, 3});  // identity 3 (1 image) is left out
  BatchSampler sampler(ds, SamplingMode::PK, 12, 5, 3);  // P = 4, K = 3
  for (int b = 0; b < 30; ++b) {
    const auto batch = sampler.next();
    ASSERT_EQ(batch.size(), 12u);
    std::set<int64_t> ids;
    for (int p = 0; p < 4; ++p) {
      const auto id = ds.samples[batch[p * 3]].label;
      EXPECT_NE(id, 3);
      ids.insert(id);
      std::set<int64_t> images;
      for (int k = 0; k < 3; ++k) {
        EXPECT_EQ(ds.samples[batch[p * 3 + k]].label, id);
        images.insert(batch[p * 3 + k]);
      }
      // >= K images: drawn without replacement; identity 1 (2 images): both, then one repeat.
      EXPECT_EQ(images.size(), id == 1 ? 2u : 3u);
    }
    EXPECT_EQ(ids.size(), 4u);
  }
}

TEST(Sampler, PKRejectsBadShapes) {
  EXPECT_THROW(BatchSampler(make({3, 3, 3}), SamplingMode::PK, 10, 1, 4), Error);  // 10 % 4
  EXPECT_THROW(BatchSampler(make({3, 3, 1}), SamplingMode::PK, 12, 1, 4), Error);  // P = 3 > 2 usable
}

TEST(Sampler, SequentialAndShuffledCoverEachEpoch) {
  const auto ds = make({3, 4, 3});  // 10 samples
  BatchSampler seq(ds, SamplingMode::Sequential, 4, 0);
  EXPECT_EQ(seq.next(), (std::vector<int64_t>{0, 1, 2, 3}));
  EXPECT_EQ(seq.next(), (std::vector<int64_t>{4, 5, 6, 7}));
  EXPECT_EQ(seq.next(), (std::vector<int64_t>{8, 9, 0, 1}));  // wraps into epoch 1
  EXPECT_EQ(seq.epoch(), 1);

  BatchSampler shuf(ds, SamplingMode::Shuffled, 5, 9);
  std::vector<int64_t> epoch0 = shuf.next(), second = shuf.next();
  epoch0.insert(epoch0.end(), second.begin(), second.end());
  std::vector<int64_t> sorted = epoch0;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(sorted, (std::vector<int64_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
  std::vector<int64_t> epoch1 = shuf.next(), more = shuf.next();
  epoch1.insert(epoch1.end(), more.begin(), more.end());
  EXPECT_NE(epoch0, epoch1) << "each epoch gets its own permutation";
}

TEST(Sampler, SameSeedSameSequenceOtherSeedDiffers) {
  const auto ds = make({4, 4, 4, 4, 4});
  BatchSampler a(ds, SamplingMode::Triplet, 9, 3), b(ds, SamplingMode::Triplet, 9, 3), c(ds, SamplingMode::Triplet, 9, 4);
  const auto x = a.next();
  EXPECT_EQ(x, b.next());
  EXPECT_NE(x, c.next());
}

class SamplerResume : public ::testing::TestWithParam<SamplingMode> {};

TEST_P(SamplerResume, RestoredStateContinuesTheSameBatches) {
  const auto ds = make({5, 2, 6, 3, 4, 2, 7});
  const auto mode = GetParam();
  BatchSampler original(ds, mode, 6, 42, 2);
  for (int i = 0; i < 5; ++i) original.next();
  const auto saved = original.state();
  std::vector<std::vector<int64_t>> expected;
  for (int i = 0; i < 4; ++i) expected.push_back(original.next());

  BatchSampler resumed(ds, mode, 6, 999, 2);  // another seed: the state carries the run's seed
  resumed.restore(saved);
  EXPECT_EQ(resumed.batches_drawn(), 5);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(resumed.next(), expected[i]) << "batch " << i;
  EXPECT_EQ(resumed.state(), original.state());
}

INSTANTIATE_TEST_SUITE_P(Modes, SamplerResume,
                         ::testing::Values(SamplingMode::Triplet, SamplingMode::PK, SamplingMode::Sequential,
                                           SamplingMode::Shuffled));

TEST(Sampler, RestoreRejectsAMismatchedState) {
  const auto ds = make({3, 3, 3});
  BatchSampler triplet(ds, SamplingMode::Triplet, 6, 1);
  BatchSampler pk(ds, SamplingMode::PK, 6, 1, 2);
  EXPECT_THROW(pk.restore(triplet.state()), Error);
  BatchSampler other_size(make({3, 3, 4}), SamplingMode::Triplet, 6, 1);
  EXPECT_THROW(other_size.restore(triplet.state()), Error);
  EXPECT_THROW(triplet.restore("garbage"), Error);
}

TEST(Sampler, FromConfigPicksTheMode) {
  const auto ds = make({4, 4, 4, 4});
  DataConfig config;
  config.sampler = SamplerKind::PK;
  config.images_per_identity = 2;
  EXPECT_EQ(BatchSampler::from_config(ds, config, 8, 1).mode(), SamplingMode::PK);
  EXPECT_EQ(BatchSampler::from_config(ds, config, 8, 1, true).mode(), SamplingMode::Shuffled);
  config.sampler = SamplerKind::Triplet;
  EXPECT_EQ(BatchSampler::from_config(ds, config, 9, 1).mode(), SamplingMode::Triplet);
}
