#include "facenet/train/trainer.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>
#include <fstream>

#include "facenet/core/config_yaml.h"
#include "facenet/core/error.h"
#include "facenet/core/precision.h"
#include "facenet/core/fs.h"
#include "facenet/core/logging.h"
#include "facenet/models/facenet.h"
#include "facenet/checkpoint/checkpoint.h"
#include "support/scoped_sink.h"
#include "support/synth_fixture.h"

using namespace facenet;
namespace fs = std::filesystem;

namespace {

std::string temp_run(const std::string& name) {
  const auto dir = fs::temp_directory_path() / ("facenet_train_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  return dir.string();
}

/// A tiny, fast config over the shared synthetic set (no evaluation).
Config tiny_config(const std::string& out, const std::vector<std::string>& extra = {}) {
  const auto& set = test::synth_set(8, 6, 4, 64);
  std::vector<std::string> overrides{"data.root=" + set.train,
                                     "train.output_dir=" + out,
                                     "model.embedding_size=16",
                                     "data.preprocess.image_size=64",
                                     "data.sampler=pk",
                                     "data.identities_per_batch=3",
                                     "data.images_per_identity=2",
                                     "loss.mining=batch_hard",
                                     "train.batch_size=6",
                                     "train.steps_per_epoch=2",
                                     "train.epochs=2",
                                     "train.warmup_epochs=0.5",
                                     "train.flat_epochs=0.5",
                                     "train.log_every_steps=1",
                                     "data.workers=2",
                                     "runtime.threads=2",
                                     "runtime.log_level=warn"};
  overrides.insert(overrides.end(), extra.begin(), extra.end());
  return load_config_text("", "test", overrides);
}

std::vector<torch::Tensor> weights_of(const std::string& checkpoint) {
  const auto info = facenet::read_checkpoint_info(checkpoint);
  auto model = models::make_model(info.config.model);
  facenet::load_checkpoint(checkpoint, *model);
  std::vector<torch::Tensor> out;
  for (const auto& p : model->parameters()) out.push_back(p.detach().clone());
  for (const auto& b : model->buffers()) out.push_back(b.detach().clone());
  return out;
}

}  // namespace

namespace {

/// Trains 4 steps straight and 2 + resume + 2 with `extra` overrides; the weights must be equal
/// bit for bit. Returns the straight run's folder.
std::string expect_resume_bit_exact(const std::string& name, const std::vector<std::string>& extra = {}) {
  const auto straight = temp_run(name + "straight");
  const auto split = temp_run(name + "split");
  // The straight run keeps a train.log as `facenet train` does: attached by the caller.
  test::ScopedSink train_log;
  train::TrainOptions logged;
  logged.on_run_folder = [&](const fs::path& run_dir) {
    train_log.attach(log_file_sink((run_dir / "train.log").string()));
  };
  auto r1 = train::train(tiny_config(straight, extra), logged);
  EXPECT_EQ(r1.steps, 4);

  train::TrainOptions half;
  half.stop_after_steps = 2;
  auto r2 = train::train(tiny_config(split, extra), half);
  EXPECT_EQ(r2.steps, 2);
  train::TrainOptions resume;
  resume.resume_checkpoint = facenet::resolve_resume(split);
  auto r3 = train::train(facenet::read_checkpoint_info(resume.resume_checkpoint).config, resume);
  EXPECT_EQ(r3.steps, 4);

  const auto a = weights_of(r1.last_checkpoint);
  const auto b = weights_of(r3.last_checkpoint);
  EXPECT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i) EXPECT_TRUE(torch::equal(a[i], b[i])) << "tensor " << i;
  // Training changed the weights at all (the comparison is not trivially true).
  const auto init = models::make_model(facenet::read_checkpoint_info(r1.last_checkpoint).config.model);
  EXPECT_FALSE(torch::equal(init->parameters().front(), a.front()));
  return straight;
}

}  // namespace

TEST(Trainer, ResumeIsBitExact) {
  const auto straight = expect_resume_bit_exact("");
  // The run folder has what the README promises.
  for (const char* f : {"config.yaml", "metrics.csv", "metrics.jsonl", "train.log", "checkpoints/last.pt"})
    EXPECT_TRUE(fs::exists(fs::path(straight) / f)) << f;
}

TEST(Trainer, ResumeIsBitExactInBf16) {
  if (!cpu_features().native_bf16()) GTEST_SKIP() << "this CPU has no native bf16";
  expect_resume_bit_exact("bf16", {"train.amp=bf16"});
}

TEST(Trainer, NonFiniteLossStopsAndKeepsLastGoodCheckpoint) {
  const auto dir = temp_run("nan");
  auto good = train::train(tiny_config(dir, {"train.optimizer=sgd", "train.epochs=1"}));
  const auto before = read_file(good.last_checkpoint);
  auto config = facenet::read_checkpoint_info(good.last_checkpoint).config;
  apply_overrides(config, {"train.lr=.inf", "train.schedule=constant", "train.epochs=3"});
  train::TrainOptions resume;
  resume.resume_checkpoint = good.last_checkpoint;
  try {
    train::train(config, resume);
    FAIL() << "expected a non-finite loss error";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("non-finite loss"), std::string::npos) << msg;
    EXPECT_NE(msg.find("at step"), std::string::npos) << msg;
    EXPECT_NE(msg.find("last.pt"), std::string::npos) << msg;
  }
  EXPECT_EQ(read_file(good.last_checkpoint), before);
}

TEST(Trainer, EveryOptimizerAndLossRuns) {
  int i = 0;
  for (const char* opt : {"adam", "adamw", "sgd"}) {
    auto r = train::train(tiny_config(temp_run(std::string("opt") + opt), {std::string("train.optimizer=") + opt,
                                                                          "train.epochs=1"}));
    EXPECT_EQ(r.steps, 2) << opt;
  }
  const std::vector<std::vector<std::string>> losses{
      {"loss.triplet_weight=0"},
      {"loss.head=none", "loss.mining=batch_all"},
      {"loss.head=softmax", "loss.mining=semi_hard"},
      {"loss.head=arcface", "loss.triplet_weight=0"},
      {"loss.head=cosface"},
      {"loss.head=softmax", "data.sampler=triplet", "loss.mining=none"},
  };
  for (const auto& extra : losses) {
    auto overrides = extra;
    overrides.push_back("train.epochs=1");
    auto r = train::train(tiny_config(temp_run("loss" + std::to_string(i++)), overrides));
    EXPECT_EQ(r.steps, 2) << extra[0];
  }
}

TEST(Checkpoint, CorruptOrForeignFilesGiveClearErrors) {
  const auto dir = temp_run("corrupt");
  fs::create_directories(dir);
  const auto path = dir + "/bad.pt";
  std::ofstream(path) << "not a checkpoint";
  try {
    facenet::read_checkpoint_info(path);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos);
  }
  EXPECT_THROW(facenet::read_checkpoint_info(dir + "/missing.pt"), Error);
}

TEST(Checkpoint, AtomicWriteKeepsTheOldFileOnFailure) {
  const auto dir = temp_run("atomic");
  const auto path = dir + "/last.pt";
  write_file_atomic(path, "old contents");
  EXPECT_THROW(write_atomic_with(path,
                                 [](const std::string& tmp) {
                                   std::ofstream(tmp) << "half-writ";
                                   throw Error("disk full");
                                 }),
               Error);
  EXPECT_EQ(read_file(path), "old contents");
  int files = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir)) ++files;
  EXPECT_EQ(files, 1);  // no temporary left behind
}
