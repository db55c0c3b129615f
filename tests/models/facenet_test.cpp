// The embedding network: head parameter counts, unit-norm embeddings, gradient flow, key mapping.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "facenet/core/error.h"
#include "facenet/models/facenet.h"

using namespace facenet::models;
using facenet::Backbone;
using facenet::ModelConfig;

namespace {

ModelConfig config(Backbone b, int64_t dim = 128) {
  ModelConfig c;
  c.backbone = b;
  c.embedding_size = dim;
  return c;
}

}  // namespace

TEST(FaceNet, ParameterCountsWithHead) {
  EXPECT_EQ(count_parameters(*make_model(config(Backbone::MobileNet))), 3338304);
  EXPECT_EQ(count_parameters(*make_model(config(Backbone::InceptionResNetV1))), 22793728);
  EXPECT_EQ(count_parameters(*make_model(config(Backbone::InceptionResNetV1, 512))), 23482624);
  EXPECT_EQ(count_trainable_parameters(*make_model(config(Backbone::MobileNet))), 3338304);
}

TEST(FaceNet, HeadLayersFollowConfig) {
  ModelConfig c = config(Backbone::MobileNet, 512);
  c.dropout_keep = 0.8;
  c.bn_momentum = 0.005;
  auto model = make_model(c);
  EXPECT_EQ(model->embedding_size(), 512);
  EXPECT_NEAR(model->dropout->options.p(), 0.2, 1e-12);
  EXPECT_FALSE(model->last_linear->options.bias());
  EXPECT_EQ(model->last_linear->options.in_features(), 1024);
  EXPECT_DOUBLE_EQ(model->last_bn->options.eps(), 1e-3);
  EXPECT_DOUBLE_EQ(model->last_bn->options.momentum().value(), 0.005);
}

TEST(FaceNet, EmbeddingShapesAndUnitNorm) {
  torch::manual_seed(1);
  for (auto b : {Backbone::MobileNet, Backbone::InceptionResNetV1}) {
    auto model = make_model(config(b));
    // Train mode: BN uses batch statistics (a fresh model's running statistics shrink
    // the activations to ~1e-11 in eval mode, which would test nothing).
    model->train();
    torch::NoGradGuard no_grad;
    for (int64_t size : {160, 112}) {
      auto out = model->forward_train(torch::randn({3, 3, size, size}));
      ASSERT_EQ(out.embeddings.sizes().vec(), (std::vector<int64_t>{3, 128})) << size;
      ASSERT_EQ(out.prelogits.sizes().vec(), (std::vector<int64_t>{3, 128}));
      EXPECT_TRUE(torch::allclose(out.embeddings.norm(2, 1), torch::ones({3}), 1e-5, 1e-5)) << out.embeddings.norm(2, 1);
      EXPECT_GT((out.prelogits.norm(2, 1) - 1).abs().min().item<double>(), 1e-2);
      EXPECT_TRUE(torch::allclose(out.embeddings, out.prelogits / out.prelogits.norm(2, 1, true), 1e-5, 1e-6));
    }
  }
}

TEST(FaceNet, Embedding512) {
  auto model = make_model(config(Backbone::MobileNet, 512));
  model->eval();
  torch::NoGradGuard no_grad;
  EXPECT_EQ(model->forward(torch::randn({1, 3, 96, 96})).sizes().vec(), (std::vector<int64_t>{1, 512}));
}

TEST(FaceNet, UnknownBackboneIsAConfigError) {
  ModelConfig c;
  c.backbone = static_cast<Backbone>(99);
  EXPECT_THROW(make_model(c), facenet::ConfigError);
  c = ModelConfig{};
  c.embedding_size = 0;
  EXPECT_THROW(make_model(c), facenet::ConfigError);
}

// Every parameter receives a non-zero gradient in train mode (no dead branch).
TEST(FaceNet, GradientsReachEveryParameter) {
  torch::manual_seed(3);
  for (auto [b, size] : {std::pair{Backbone::MobileNet, int64_t{96}}, std::pair{Backbone::InceptionResNetV1, int64_t{112}}}) {
    auto model = make_model(config(b));
    model->train();
    auto out = model->forward_train(torch::randn({2, 3, size, size}));
    auto loss = (out.embeddings * torch::randn_like(out.embeddings)).sum() +
                (out.prelogits * torch::randn_like(out.prelogits)).sum();
    loss.backward();
    for (const auto& p : model->named_parameters()) {
      ASSERT_TRUE(p.value().grad().defined()) << p.key();
      EXPECT_GT(p.value().grad().abs().sum().item<double>(), 0.0) << p.key();
      EXPECT_TRUE(torch::isfinite(p.value().grad()).all().item<bool>()) << p.key();
    }
  }
}

TEST(FaceNet, KeyMappings) {
  EXPECT_EQ(to_port_key("backbone.repeat_1.0.branch1.1.conv.weight"), "repeat_1.0.branch1.1.conv.weight");
  EXPECT_EQ(to_port_key("last_bn.running_var"), "last_bn.running_var");
  EXPECT_EQ(to_seed_key("backbone.stage1.0.0.weight"), "backbone.model.stage1.0.0.weight");
  EXPECT_EQ(to_seed_key("last_linear.weight"), "Bottleneck.weight");
  EXPECT_EQ(to_seed_key("last_bn.bias"), "last_bn.bias");

  auto model = make_model(config(Backbone::MobileNet));
  const auto params = model->named_parameters();
  EXPECT_TRUE(params.contains("backbone.stage1.0.0.weight"));
  EXPECT_TRUE(params.contains("backbone.stage3.1.3.weight"));
  EXPECT_TRUE(params.contains("last_linear.weight"));
  EXPECT_TRUE(params.contains("last_bn.weight"));
}
