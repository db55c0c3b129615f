// The Trainer as a library: a program's own loop, its own listener, the events every run
// reports, and the TensorBoard file they produce.
#include <gtest/gtest.h>
#include <torch/torch.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>

#include "facenet/checkpoint/checkpoint.h"
#include "facenet/core/config_yaml.h"
#include "facenet/core/error.h"
#include "facenet/core/fs.h"
#include "facenet/core/tensorboard.h"
#include "facenet/train/trainer.h"
#include "support/synth_fixture.h"

using namespace facenet;
namespace fs = std::filesystem;

namespace {

std::string temp_run(const std::string& name) {
  const auto dir = fs::temp_directory_path() / ("facenet_api_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  return dir.string();
}

Config tiny_config(const std::string& out, const std::vector<std::string>& extra = {}) {
  const auto& set = test::synth_set(8, 6, 4, 64);
  std::vector<std::string> overrides{"data.root=" + set.train,      "train.output_dir=" + out,
                                     "eval.data_dir=" + set.test,   "eval.pairs=" + set.pairs,
                                     "model.embedding_size=16",     "data.preprocess.image_size=64",
                                     "data.sampler=pk",             "data.identities_per_batch=3",
                                     "data.images_per_identity=2",  "loss.mining=batch_hard",
                                     "train.batch_size=6",          "train.steps_per_epoch=2",
                                     "train.epochs=2",              "train.warmup_epochs=0.5",
                                     "train.flat_epochs=0.5",       "train.log_every_steps=1",
                                     "data.workers=2",              "runtime.threads=2",
                                     "runtime.log_level=warn"};
  overrides.insert(overrides.end(), extra.begin(), extra.end());
  return load_config_text("", "test", overrides);
}

/// Records every event it sees.
struct Recorder : train::TrainingListener {
  std::vector<std::string> events;
  std::vector<int64_t> steps;
  std::vector<std::string> checkpoints;
  std::vector<double> eval_accuracy;
  void on_train_begin(train::Trainer&) override { events.push_back("begin"); }
  void on_step(train::Trainer&, const train::StepStats& s) override { steps.push_back(s.step); }
  void on_log(train::Trainer&, const train::LogWindow& w) override {
    events.push_back("log " + std::to_string(w.last.step));
  }
  void on_evaluation(train::Trainer&, const train::Evaluation& e) override {
    events.push_back("eval " + e.name);
    eval_accuracy.push_back(e.result.sets.front().report.metrics.accuracy_mean);
  }
  void on_epoch_end(train::Trainer&, int64_t epoch, bool) override { events.push_back("epoch " + std::to_string(epoch)); }
  void on_checkpoint(train::Trainer&, const std::string& path) override {
    checkpoints.push_back(fs::path(path).filename().string());
  }
  void on_train_end(train::Trainer&, const train::TrainResult&) override { events.push_back("end"); }
};

}  // namespace

TEST(TrainerApi, OwnStepsThenFitReportEveryEventInOrder) {
  const auto out = temp_run("events");
  train::Trainer trainer(tiny_config(out));
  auto recorder = std::make_shared<Recorder>();
  trainer.add_listener(recorder);
  // A program's own loop for one step, then the recipe for the rest.
  const auto first = trainer.train_step(trainer.next_batch());
  EXPECT_EQ(first.step, 1);
  EXPECT_EQ(first.images, 6);
  EXPECT_TRUE(std::isfinite(first.loss));
  EXPECT_GT(first.lr, 0);
  const auto result = trainer.fit();
  EXPECT_EQ(result.steps, 4);
  EXPECT_EQ(recorder->steps, (std::vector<int64_t>{1, 2, 3, 4}));
  const std::vector<std::string> expected{"begin", "log 1", "log 2", "eval epoch-1", "epoch 1",
                                          "log 3", "log 4", "eval epoch-2", "epoch 2", "end"};
  EXPECT_EQ(recorder->events, expected);
  // CheckpointRotation saved last (+best when improved) and the periodic one each epoch.
  EXPECT_EQ(std::count(recorder->checkpoints.begin(), recorder->checkpoints.end(), "last.pt"), 2);
  EXPECT_EQ(std::count(recorder->checkpoints.begin(), recorder->checkpoints.end(), "epoch-0002.pt"), 1);
  EXPECT_TRUE(fs::exists(result.best_checkpoint));
  EXPECT_THROW(trainer.resume(Checkpoint::open(result.last_checkpoint)), Error);  // too late: steps ran
}

TEST(TrainerApi, TensorBoardFileHoldsTheRunsScalarsAndRocImage) {
  const auto out = temp_run("tb");
  train::Trainer trainer(tiny_config(out));
  auto recorder = std::make_shared<Recorder>();
  trainer.add_listener(recorder);
  trainer.fit();
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(fs::path(out) / "tb")) files.push_back(e.path());
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(files[0].filename().string().rfind("events.out.tfevents.", 0), 0u);
  const auto events = read_events(files[0].string());  // framing and CRCs verified by the reader
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events[0].file_version, "brain.Event:2");
  std::map<std::pair<std::string, int64_t>, double> scalars;
  int roc_images = 0;
  for (const auto& e : events) {
    for (const auto& s : e.scalars) scalars[{s.tag, e.step}] = s.value;
    for (const auto& i : e.images) {
      EXPECT_EQ(i.tag, "eval/roc");
      EXPECT_GT(i.width, 100);
      EXPECT_EQ(i.encoded.substr(1, 3), "PNG");
      ++roc_images;
    }
  }
  EXPECT_EQ(roc_images, 2);  // one per evaluation
  for (int64_t step = 1; step <= 4; ++step) {
    EXPECT_TRUE(scalars.count({"train/loss", step})) << step;
    EXPECT_TRUE(scalars.count({"train/lr", step})) << step;
    EXPECT_TRUE(scalars.count({"train/images_per_s", step})) << step;
  }
  // The evaluation's accuracy is the one the trainer reported (stored as float).
  ASSERT_EQ(recorder->eval_accuracy.size(), 2u);
  EXPECT_FLOAT_EQ(scalars.at({"eval/accuracy", 4}), float(recorder->eval_accuracy[1]));
  EXPECT_TRUE(scalars.count({"eval/auc", 2}));
  // train/loss equals metrics.csv's loss at the same step (float precision).
  std::ifstream csv(out + "/metrics.jsonl");
  std::string line;
  std::getline(csv, line);
  const auto at = line.find("\"loss\":");
  ASSERT_NE(at, std::string::npos) << line;
  EXPECT_FLOAT_EQ(float(std::stod(line.substr(at + 7))), float(scalars.at({"train/loss", 1})));
  // eval.pairs alone keeps the plain names: metrics.csv's eval_* columns, no set in history.csv.
  const auto metrics = read_file(out + "/metrics.csv");
  const auto header = "," + metrics.substr(0, metrics.find('\n')) + ",";
  for (const std::string column : {"eval_accuracy", "eval_accuracy_std", "eval_val", "eval_auc", "eval_eer"})
    EXPECT_NE(header.find("," + column + ","), std::string::npos) << column << " in " << header;
  const auto history = read_file(out + "/eval/history.csv");
  EXPECT_EQ(history.substr(0, history.find('\n')), "minutes,step,epoch,accuracy,accuracy_std,auc");
  EXPECT_TRUE(fs::exists(fs::path(out) / "eval" / "last_report.json"));
  EXPECT_TRUE(fs::exists(fs::path(out) / "eval" / "epoch-2" / "report.json"));
}

TEST(TrainerApi, ResumeAllowsScheduleChangesButNotTheNetwork) {
  const auto out = temp_run("resume_keys");
  const auto result = train::train(tiny_config(out, {"train.epochs=1", "eval.pairs="}));
  const auto checkpoint = Checkpoint::open(result.last_checkpoint);
  EXPECT_EQ(checkpoint.info().state.step, 2);
  EXPECT_EQ(checkpoint.run_dir(), fs::absolute(out).string());
  const auto longer = checkpoint.config_for_resume({"train.epochs=3", "train.lr=1e-4", "data.workers=1"});
  EXPECT_EQ(longer.train.epochs, 3);
  EXPECT_EQ(longer.model.embedding_size, 16);
  // Setting a fixed key to its stored value is fine; changing it is refused, naming it.
  EXPECT_NO_THROW(checkpoint.config_for_resume({"model.embedding_size=16"}));
  // The triplet weight may change, but not turn the term off (the sampler depends on it).
  EXPECT_DOUBLE_EQ(checkpoint.config_for_resume({"loss.triplet_weight=0.5"}).loss.triplet_weight, 0.5);
  for (const std::string change : {"model.embedding_size=32", "train.optimizer=sgd",
                                   "data.preprocess.image_size=96", "loss.head=arcface", "loss.triplet_weight=0",
                                   "runtime.seed=7"}) {
    try {
      checkpoint.config_for_resume({change});
      ADD_FAILURE() << change << " was accepted";
    } catch (const ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find(change.substr(0, change.find('='))), std::string::npos) << e.what();
    }
  }
}
