// Fine-tuning (train.init_from, freezing, rate groups, the head-only phase, before/after).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "facenet/checkpoint/checkpoint.h"
#include "facenet/core/config_yaml.h"
#include "facenet/core/error.h"
#include "facenet/core/fs.h"
#include "facenet/export/formats.h"
#include "facenet/export/state_dict.h"
#include "facenet/infer/meta.h"
#include "facenet/models/facenet.h"
#include "facenet/train/init_weights.h"
#include "facenet/train/trainer.h"
#include "support/error_of.h"
#include "support/synth_fixture.h"

using namespace facenet;
namespace fs = std::filesystem;

namespace {

std::string temp_dir(const std::string& name) {
  const auto dir = fs::temp_directory_path() / ("facenet_finetune_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  return dir.string();
}

/// A tiny MobileNet config over the shared synthetic set, evaluating the held-out pairs.
Config tiny_config(const std::string& out, const std::vector<std::string>& extra = {}) {
  const auto& set = test::synth_set(8, 6, 4, 64);
  std::vector<std::string> overrides{"data.root=" + set.train,     "eval.data_dir=" + set.test,
                                     "eval.pairs=" + set.pairs,    "train.output_dir=" + out,
                                     "model.embedding_size=16",    "data.preprocess.image_size=64",
                                     "data.sampler=pk",            "data.identities_per_batch=3",
                                     "data.images_per_identity=2", "loss.mining=batch_hard",
                                     "train.batch_size=6",         "train.steps_per_epoch=2",
                                     "train.epochs=2",             "train.warmup_epochs=0.5",
                                     "train.flat_epochs=0.5",      "train.log_every_steps=1",
                                     "train.eval_every_epochs=2",  "data.workers=2",
                                     "runtime.threads=2",          "runtime.log_level=warn"};
  overrides.insert(overrides.end(), extra.begin(), extra.end());
  return load_config_text("", "test", overrides);
}

/// One base run per test binary: the model every fine-tuning test starts from.
const std::string& base_checkpoint() {
  static const std::string path = [] {
    const auto out = temp_dir("base");
    return train::train(tiny_config(out, {"train.eval_every_epochs=0"})).last_checkpoint;
  }();
  return path;
}

std::map<std::string, torch::Tensor> network_of(const std::string& checkpoint) {
  const auto c = Checkpoint::open(checkpoint);
  auto model = models::make_model(c.info().config.model);
  c.load_into(*model);
  std::map<std::string, torch::Tensor> out;
  for (const auto& p : model->named_parameters(true)) out[p.key()] = p.value().detach().clone();
  for (const auto& b : model->named_buffers(true)) out[b.key()] = b.value().detach().clone();
  return out;
}

std::map<std::string, torch::Tensor> network_of(models::FaceNetImpl& model) {
  std::map<std::string, torch::Tensor> out;
  for (const auto& p : model.named_parameters(true)) out[p.key()] = p.value().detach().clone();
  for (const auto& b : model.named_buffers(true)) out[b.key()] = b.value().detach().clone();
  return out;
}

bool starts_with(const std::string& s, const std::string& p) { return s.rfind(p, 0) == 0; }

}  // namespace

TEST(FineTune, InitFromACheckpointLoadsTheNetworkAndRecordsWhereItCameFrom) {
  const auto out = temp_dir("init");
  train::Trainer trainer(tiny_config(out, {"train.init_from=" + base_checkpoint()}));
  // The network is the base run's, bit for bit, before any step; the optimiser starts empty.
  const auto base = network_of(base_checkpoint());
  for (const auto& [key, t] : network_of(*trainer.model()))
    if (key.find("num_batches_tracked") == std::string::npos) EXPECT_TRUE(torch::equal(t, base.at(key))) << key;
  EXPECT_EQ(trainer.state().step, 0);
  EXPECT_TRUE(starts_with(trainer.config().train.init_digest, "crc32c:"));
  EXPECT_EQ(trainer.config().train.init_digest, train::file_digest(base_checkpoint()));

  const auto result = trainer.fit();
  // Provenance: the run's config.yaml and every checkpoint name the source and its digest.
  const auto yaml = read_file((fs::path(out) / "config.yaml").string());
  EXPECT_NE(yaml.find(trainer.config().train.init_digest), std::string::npos);
  const auto info = read_checkpoint_info(result.last_checkpoint);
  EXPECT_EQ(info.config.train.init_from, base_checkpoint());
  EXPECT_EQ(info.config.train.init_digest, trainer.config().train.init_digest);
  // Before and after on the evaluated set: the summary, metrics.jsonl and the checkpoint's record.
  ASSERT_EQ(result.before_after.size(), 1u);
  EXPECT_GE(result.before_after[0].before, 0.0);
  EXPECT_GE(result.before_after[0].after, 0.0);
  EXPECT_TRUE(fs::exists(fs::path(out) / "eval" / "before"));
  EXPECT_NE(read_file((fs::path(out) / "before_after.json").string()).find("\"before\""), std::string::npos);
  const auto metrics = read_file((fs::path(out) / "metrics.jsonl").string());
  EXPECT_NE(metrics.find("eval_accuracy_before"), std::string::npos);
  EXPECT_NE(metrics.find("eval_accuracy_after"), std::string::npos);
  ASSERT_EQ(info.state.baseline.size(), 1u);
  EXPECT_DOUBLE_EQ(info.state.baseline[0].second, result.before_after[0].before);
}

TEST(FineTune, FrozenTensorsStayBitIdenticalAndTrainableOnesChange) {
  const auto out = temp_dir("freeze");
  train::Trainer trainer(tiny_config(out, {"train.init_from=" + base_checkpoint(), "train.trainable_from=backbone.stage3",
                                           "train.freeze=[last_bn]", "train.eval_every_epochs=0"}));
  // Frozen parameters need no gradient: backward stops where the frozen part ends.
  for (const auto& p : trainer.model()->named_parameters(true))
    EXPECT_EQ(p.value().requires_grad(), starts_with(p.key(), "backbone.stage3") || starts_with(p.key(), "last_linear"))
        << p.key();
  const auto result = trainer.fit();
  const auto before = network_of(base_checkpoint());
  const auto after = network_of(result.last_checkpoint);
  int frozen = 0, changed = 0;
  for (const auto& [key, t] : after) {
    const bool trainable = starts_with(key, "backbone.stage3") || starts_with(key, "last_linear");
    if (!trainable) {
      // Weights and BatchNorm statistics alike (num_batches_tracked included).
      EXPECT_TRUE(torch::equal(t, before.at(key))) << key << " is frozen but changed";
      ++frozen;
    } else if (key.find("num_batches_tracked") == std::string::npos && !torch::equal(t, before.at(key))) {
      ++changed;
    }
  }
  EXPECT_GT(frozen, 50);
  EXPECT_GT(changed, 10);  // stage3's weights and statistics and last_linear moved
  EXPECT_FALSE(torch::equal(after.at("last_linear.weight"), before.at("last_linear.weight")));
}

TEST(FineTune, RateGroupsAndTheHeadOnlyPhase) {
  const auto out = temp_dir("groups");
  train::Trainer trainer(tiny_config(out, {"train.init_from=" + base_checkpoint(), "train.lr_mult={backbone: 0.1}",
                                           "train.head_only_steps=2", "train.eval_every_epochs=0",
                                           "train.schedule=constant"}));
  ASSERT_EQ(trainer.parameter_plan().groups.size(), 2u);
  const auto base = network_of(base_checkpoint());
  for (int i = 0; i < 2; ++i) {
    EXPECT_TRUE(trainer.head_only());
    const auto s = trainer.train_step(trainer.next_batch());
    ASSERT_EQ(s.group_lrs.size(), 2u);
    EXPECT_EQ(s.group_lrs[0].first, "default");
    EXPECT_EQ(s.group_lrs[1].first, "backbone");
    EXPECT_DOUBLE_EQ(s.group_lrs[1].second, 0.1 * s.group_lrs[0].second);
  }
  // Two head-only steps: the network (BatchNorm statistics included) is untouched, the head moved.
  for (const auto& [key, t] : network_of(*trainer.model()))
    if (key.find("num_batches_tracked") == std::string::npos) EXPECT_TRUE(torch::equal(t, base.at(key))) << key;
  EXPECT_FALSE(trainer.head_only());
  trainer.train_step(trainer.next_batch());
  const auto now = network_of(*trainer.model());
  EXPECT_FALSE(torch::equal(now.at("backbone.stage1.0.0.weight"), base.at("backbone.stage1.0.0.weight")));
  EXPECT_FALSE(torch::equal(now.at("last_linear.weight"), base.at("last_linear.weight")));
}

TEST(FineTune, ResumeOfAFineTuningRunIsBitExact) {
  // Frozen blocks, rate groups and a head-only phase that ends after the resume.
  const std::vector<std::string> extra{"train.init_from=" + base_checkpoint(), "train.trainable_from=backbone.stage2.3",
                                       "train.lr_mult={last_linear: 3, head: 2}", "train.head_only_steps=3",
                                       "train.eval_every_epochs=0"};
  const auto straight = train::train(tiny_config(temp_dir("straight"), extra));
  train::TrainOptions half;
  half.stop_after_steps = 2;
  const auto split = temp_dir("split");
  EXPECT_EQ(train::train(tiny_config(split, extra), half).steps, 2);
  train::TrainOptions resume;
  resume.resume_checkpoint = resolve_resume(split);
  const auto resumed = train::train(read_checkpoint_info(resume.resume_checkpoint).config, resume);
  EXPECT_EQ(resumed.steps, 4);
  const auto a = network_of(straight.last_checkpoint), b = network_of(resumed.last_checkpoint);
  for (const auto& [key, t] : a) EXPECT_TRUE(torch::equal(t, b.at(key))) << key;
  EXPECT_FALSE(torch::equal(a.at("last_linear.weight"), network_of(base_checkpoint()).at("last_linear.weight")));
  // On resume, train.init_from may not change: the run continues from its own checkpoint.
  const auto c = Checkpoint::open(resume.resume_checkpoint);
  EXPECT_NE(test::error_of([&] { c.config_for_resume({"train.init_from=/elsewhere.pt"}); }).find("train.init_from"),
            std::string::npos);
}

TEST(FineTune, ExportsAreStartingPointsToo) {
  const auto dir = temp_dir("exports");
  fs::create_directories(dir);
  const auto opened = Checkpoint::open(base_checkpoint());
  auto model = models::make_model(opened.info().config.model);
  opened.load_into(*model);
  model->eval();
  const auto base = network_of(*model);
  ExportConfig seed;
  seed.format = "state-dict";
  seed.layout = "seed";
  const auto state_dict = dir + "/base_seed.pt";
  exporting::formats().writer("state-dict").write(*model, infer::meta_from_checkpoint(opened), seed, state_dict);
  ExportConfig script;
  script.format = "torchscript";  // BatchNorm folded (export.fold_bn's default)
  const auto torchscript = dir + "/base.torchscript.pt";
  exporting::formats().writer("torchscript").write(*model, infer::meta_from_checkpoint(opened), script, torchscript);

  const auto config = tiny_config(dir + "/run");
  {
    auto target = models::make_model(config.model);
    const auto w = train::read_init_weights(state_dict, *target);
    train::load_init_weights(w, *target);
    for (const auto& [key, t] : network_of(*target))
      if (key.find("num_batches_tracked") == std::string::npos) EXPECT_TRUE(torch::equal(t, base.at(key))) << key;
  }
  {
    auto target = models::make_model(config.model);
    const auto w = train::read_init_weights(torchscript, *target);
    train::load_init_weights(w, *target);
    target->eval();
    // Folded BatchNorm comes back as identity statistics: the same network at inference.
    torch::NoGradGuard no_grad;
    const auto x = torch::randn({2, 3, 64, 64});
    EXPECT_TRUE(torch::allclose(target->forward(x), model->forward(x), 1e-4, 1e-5));
  }
}

TEST(FineTune, BadInputGivesOneLineAndNoRunFolder) {
  const auto dir = temp_dir("bad");
  fs::create_directories(dir);
  const auto run = dir + "/run";
  const auto refused = [&](const std::vector<std::string>& extra) {
    const auto message = test::error_of([&] { train::Trainer trainer(tiny_config(run, extra)); });
    EXPECT_FALSE(fs::exists(run)) << "a refused run left " << run;
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
    return message;
  };
  // A damaged file: its digest no longer matches.
  const auto damaged = dir + "/damaged.pt";
  auto bytes = read_file(base_checkpoint());
  bytes[bytes.size() / 2] ^= 0x5a;
  write_file_atomic(damaged, bytes);
  auto m = refused({"train.init_from=" + damaged});
  EXPECT_NE(m.find("train.init_from"), std::string::npos) << m;
  EXPECT_NE(m.find(damaged), std::string::npos) << m;
  // Another backbone: both named.
  m = refused({"train.init_from=" + base_checkpoint(), "model.backbone=inception_resnet_v1",
               "data.preprocess.image_size=80"});
  EXPECT_NE(m.find("mobilenet"), std::string::npos) << m;
  EXPECT_NE(m.find("inception_resnet_v1"), std::string::npos) << m;
  // Another embedding size: both named.
  m = refused({"train.init_from=" + base_checkpoint(), "model.embedding_size=32"});
  EXPECT_NE(m.find("16-d"), std::string::npos) << m;
  EXPECT_NE(m.find("model.embedding_size is 32"), std::string::npos) << m;
  // A digest the file does not have.
  m = refused({"train.init_from=" + base_checkpoint(), "train.init_digest=crc32c:00000000"});
  EXPECT_NE(m.find("train.init_digest"), std::string::npos) << m;
  // Freezing everything.
  m = refused({"train.init_from=" + base_checkpoint(), "train.freeze=[backbone, last_linear, last_bn]"});
  EXPECT_NE(m.find("nothing is left to train"), std::string::npos) << m;
  // A prefix that matches nothing lists the valid names.
  m = refused({"train.lr_mult={backbone.stage9: 0.1}"});
  EXPECT_NE(m.find("train.lr_mult: 'backbone.stage9' matches no parameter"), std::string::npos) << m;
  EXPECT_NE(m.find("backbone.stage2.3"), std::string::npos) << m;
  m = refused({"train.freeze=[backbone.stage1.1.conv]"});
  EXPECT_NE(m.find("train.freeze"), std::string::npos) << m;
  m = refused({"train.trainable_from=stage3"});
  EXPECT_NE(m.find("train.trainable_from: 'stage3' is not a block"), std::string::npos) << m;
  // A head kept for another identity list.
  std::string some;
  int kept = 0;
  for (const auto& entry : fs::directory_iterator(test::synth_set(8, 6, 4, 64).train))
    if (entry.is_directory() && kept++ < 6) some += entry.path().filename().string() + "\n";
  write_file_atomic(dir + "/some.txt", some);
  m = refused({"train.init_from=" + base_checkpoint(), "train.init_head=true", "data.include_identities=" + dir + "/some.txt"});
  EXPECT_NE(m.find("train.init_head: the head of"), std::string::npos) << m;

  // A tensor of the wrong shape is named with both shapes.
  auto model = models::make_model(tiny_config(run).model);
  auto state = exporting::layout_state(*model, "seed");
  c10::Dict<std::string, at::Tensor> dict;
  for (auto& [key, t] : state) dict.insert(key, key == "backbone.model.stage2.0.0.weight" ? torch::zeros({7, 1, 3, 3}) : t);
  const auto bytes_out = torch::pickle_save(c10::IValue(dict));
  const auto wrong = dir + "/wrong_shape.pt";
  write_file_atomic(wrong, std::string(bytes_out.begin(), bytes_out.end()));
  m = refused({"train.init_from=" + wrong});
  EXPECT_NE(m.find("tensor backbone.stage2.0.0.weight is [7, 1, 3, 3]"), std::string::npos) << m;
  EXPECT_NE(m.find("but [256, 1, 3, 3] in this model"), std::string::npos) << m;
}
