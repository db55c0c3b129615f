// End to end: a short training on synthetic faces must really learn identity, measured on
// held-out identities with the LFW protocol, against the same network untrained.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "facenet/core/config_yaml.h"
#include "facenet/core/precision.h"
#include "facenet/tasks/network_eval.h"
#include "facenet/train/trainer.h"
#include "support/synth_fixture.h"

using namespace facenet;

namespace {

/// The recipe both tests train: 64 px, 64-d, P x K = 12 x 4, 900 steps of CE + batch-hard
/// triplet on 300 synthetic identities x 10 images, verified on 40 unseen ones (600 pairs).
Config synth_recipe(const std::string& out, const std::vector<std::string>& extra = {}) {
  const auto& set = test::synth_set(300, 10, 40, 64, 30);
  std::vector<std::string> overrides{"data.root=" + set.train, "eval.data_dir=" + set.test, "eval.pairs=" + set.pairs,
                                     "train.output_dir=" + out,
                                     "data.preprocess.image_size=64", "model.embedding_size=64",
                                     "data.identities_per_batch=12", "train.batch_size=48", "train.epochs=45",
                                     "train.steps_per_epoch=20", "train.lr=3e-3", "train.eval_every_epochs=45",
                                     "train.log_every_steps=100", "runtime.threads=2", "data.workers=2"};
  overrides.insert(overrides.end(), extra.begin(), extra.end());
  return load_config(FACENET_SOURCE_DIR "/configs/synth_smoke.yaml", overrides);
}

std::string scratch(const std::string& name) {
  const auto out = (std::filesystem::temp_directory_path() / (name + "_" + std::to_string(::getpid()))).string();
  std::filesystem::remove_all(out);
  return out;
}

}  // namespace

TEST(Learning, ShortTrainingBeatsTheUntrainedNetworkOnHeldOutIdentities) {
  const auto out = scratch("facenet_learning");
  const Config config = synth_recipe(out);
  const auto untrained = tasks::run_network_eval(config, "", out + "/untrained");
  const auto result = train::train(config);
  ASSERT_GE(result.final_accuracy, 0);
  std::cout << "untrained " << untrained.accuracy << ", trained " << result.final_accuracy << "\n";
  // Measured with this recipe on 300 identities x 10 images: 0.93 after 900 steps (~2 min on
  // 2 cores; untrained ~0.55), held out on 40 unseen identities, 600 pairs.
  EXPECT_GT(result.final_accuracy, 0.85);
  EXPECT_GE(result.final_accuracy - untrained.accuracy, 0.15);
  std::filesystem::remove_all(out);
}

TEST(Learning, Bf16TrainingReachesTheHeldOutAccuracyOfFp32) {
  if (!cpu_features().native_bf16()) GTEST_SKIP() << "this CPU has no native bf16";
  const auto out = scratch("facenet_learning_amp");
  const auto fp32 = train::train(synth_recipe(out + "/fp32"));
  const auto bf16 = train::train(synth_recipe(out + "/bf16", {"train.amp=bf16"}));
  std::cout << "held-out accuracy fp32 " << fp32.final_accuracy << ", bf16 " << bf16.final_accuracy << "\n";
  // The same seed, data order and recipe; only the forward's precision differs. Measured
  // 2026-12-01 (Intel Xeon with AVX512-BF16, 2 cores): fp32 0.895, bf16 0.917, 6.4 min together.
  // Asserted one-sided: bf16 no more than 1 point below fp32.
  EXPECT_GT(bf16.final_accuracy, 0.85);
  EXPECT_GE(bf16.final_accuracy, fp32.final_accuracy - 0.01);
  std::filesystem::remove_all(out);
}
