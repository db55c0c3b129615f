// The worked example of a new loss head: this file is the whole head, and the line marked
// "registration" is the only other thing it needs. After it, `loss.head: scaled_cosine` is a
// valid config value, the trainer builds the head, trains it and checkpoints it as
// `classifier.weight`.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>

#include "facenet/checkpoint/checkpoint.h"
#include "facenet/core/config_yaml.h"
#include "facenet/core/error.h"
#include "facenet/losses/facenet_loss.h"
#include "facenet/losses/head_registry.h"
#include "facenet/losses/margin_heads.h"
#include "facenet/models/facenet.h"
#include "facenet/train/trainer.h"
#include "support/synth_fixture.h"

namespace {

using facenet::losses::ClassifierHead;
using facenet::losses::HeadOptions;

/// loss.head: scaled_cosine: s * cos(theta) for every class, no margin (NormFace). Only
/// scores() is needed: without a margin the training logits are the scores.
class ScaledCosineHead : public ClassifierHead {
 public:
  explicit ScaledCosineHead(const HeadOptions& o) : scale_(o.scale) {
    if (o.margin) throw facenet::ConfigError("loss.head scaled_cosine has no margin: leave loss.margin unset");
    weight = register_parameter("weight", torch::randn({o.num_classes, o.in_features}) * 0.01);
  }
  torch::Tensor scores(const torch::Tensor& x) override {
    return facenet::losses::cosine_logits(x, weight) * scale_;
  }
  torch::Tensor weight;  ///< (C, D): checkpointed as classifier.weight

 private:
  double scale_;
};

// The registration. A registration at static initialisation is safe here because this file is
// linked into the test executable itself (the library's built-in heads are listed in
// src/losses/head_registry.cpp instead, since a static library drops unreferenced files).
const bool registered = (facenet::losses::register_head(
                             "scaled_cosine", [](const HeadOptions& o) { return std::make_shared<ScaledCosineHead>(o); }),
                         true);

}  // namespace

TEST(ToyHead, IsAConfigValueAndTrainsThroughTheObjective) {
  ASSERT_TRUE(registered);
  const auto config = facenet::load_config_text("loss:\n  head: scaled_cosine\n  scale: 8\n", "toy.yaml",
                                                {"loss.triplet_weight=0"});
  facenet::losses::check_head(config.loss);
  // The objective the trainer builds, used through its interface only.
  torch::manual_seed(0);
  auto built = facenet::losses::FaceNetLoss(config.loss, 4, 6).ptr();
  facenet::losses::Objective& objective = *built;
  ASSERT_NE(dynamic_cast<ScaledCosineHead*>(objective.classifier()), nullptr);
  EXPECT_EQ(objective.named_parameters().keys(), std::vector<std::string>{"classifier.weight"});

  // A linear "network" on 8 fixed inputs of 4 classes, trained with the head's parameters.
  torch::nn::Linear net(5, 6);
  const auto inputs = torch::randn({8, 5});
  const auto labels = torch::tensor({0, 0, 1, 1, 2, 2, 3, 3});
  auto params = net->parameters();
  for (const auto& p : objective.parameters()) params.push_back(p);
  torch::optim::Adam optimizer(params, torch::optim::AdamOptions(0.05));
  std::vector<double> totals;
  for (int step = 0; step < 30; ++step) {
    const auto prelogits = net(inputs);
    const auto out = objective.compute(prelogits, prelogits, labels);
    ASSERT_TRUE(out.has_ce && !out.has_triplet);
    totals.push_back(out.total.item<double>());
    optimizer.zero_grad();
    out.total.backward();
    optimizer.step();
  }
  EXPECT_LT(totals.back(), 0.5 * totals.front()) << totals.front() << " -> " << totals.back();
  const auto prelogits = net(inputs);
  EXPECT_EQ(objective.compute(prelogits, prelogits, labels).accuracy.item<double>(), 1.0);
}

TEST(ToyHead, ItsOwnOptionCheckRunsBeforeARun) {
  auto config = facenet::load_config_text("loss:\n  head: scaled_cosine\n  margin: 0.3\n", "toy.yaml");
  try {
    facenet::losses::check_head(config.loss);
    FAIL() << "a margin was accepted";
  } catch (const facenet::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("scaled_cosine has no margin"), std::string::npos) << e.what();
  }
  // And the list of heads an unknown name gets now offers it too.
  config.loss.head = "scaled_cosin";
  try {
    facenet::losses::check_head(config.loss);
    FAIL();
  } catch (const facenet::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("scaled_cosine"), std::string::npos) << e.what();
  }
}

TEST(ToyHead, TheTrainerTrainsAndCheckpointsIt) {
  const auto& set = facenet::test::synth_set(8, 6, 4, 64);
  const auto out = (std::filesystem::temp_directory_path() / ("facenet_toy_head_" + std::to_string(::getpid()))).string();
  std::filesystem::remove_all(out);
  const auto config = facenet::load_config_text(
      "", "toy",
      {"loss.head=scaled_cosine", "loss.scale=16", "data.root=" + set.train, "train.output_dir=" + out,
       "model.embedding_size=16", "data.preprocess.image_size=64", "data.sampler=pk", "data.identities_per_batch=3",
       "data.images_per_identity=2", "loss.mining=batch_hard", "train.batch_size=6", "train.steps_per_epoch=2",
       "train.epochs=1", "data.workers=2", "runtime.threads=2", "runtime.log_level=warn"});
  facenet::train::Trainer trainer(config);
  const auto result = trainer.fit();
  EXPECT_EQ(result.steps, 2);
  const auto* head = dynamic_cast<ScaledCosineHead*>(trainer.loss().classifier());
  ASSERT_NE(head, nullptr);
  const auto checkpoint = facenet::Checkpoint::open(result.last_checkpoint);
  EXPECT_EQ(checkpoint.info().config.loss.head, "scaled_cosine");
  // The trained head comes back from the checkpoint into a fresh objective.
  auto model = facenet::models::make_model(config.model);
  auto restored = facenet::losses::FaceNetLoss(config.loss, checkpoint.info().num_classes, 16);
  const auto fresh = restored->named_parameters()["classifier.weight"].clone();
  checkpoint.load_into(*model, restored.ptr().get());
  const auto loaded = restored->named_parameters()["classifier.weight"];
  EXPECT_TRUE(torch::equal(loaded, head->weight.detach().cpu()));
  EXPECT_FALSE(torch::equal(loaded, fresh));
  std::filesystem::remove_all(out);
}
