#include <iostream>

#include "commands/common.h"
#include "facenet/data/synth.h"

namespace facenet::cli {

void register_synth(CLI::App& app) {
  auto* cmd = app.add_subcommand("synth", "Generate a face-like dataset (train tree + test tree with LFW pairs.txt)");
  auto o = std::make_shared<data::SynthOptions>();
  cmd->add_option("--out", o->out, "Output folder (writes train/, test/, test/pairs.txt)")->required();
  cmd->add_option("--identities", o->identities, "Training identities")->capture_default_str();
  cmd->add_option("--images-per-identity", o->images_per_identity, "Images per training identity")->capture_default_str();
  cmd->add_option("--pair-identities", o->pair_identities, "Held-out test identities (0 = none)")->capture_default_str();
  cmd->add_option("--test-images-per-identity", o->test_images_per_identity, "Images per test identity (0 = as training)")
      ->capture_default_str();
  cmd->add_option("--folds", o->folds, "pairs.txt folds")->capture_default_str();
  cmd->add_option("--pairs-per-fold", o->pairs_per_fold, "Matched (and as many mismatched) pairs per fold")
      ->capture_default_str();
  cmd->add_option("--size", o->image_size, "Image side in pixels")->capture_default_str();
  cmd->add_option("--seed", o->seed, "Seed (same seed = identical files)")->capture_default_str();
  add_threads_option(cmd, o->threads);
  cmd->callback([o] {
    use_threads(o->threads);
    const auto r = data::synthesize_dataset(*o);
    std::cout << "wrote " << r.train_images << " train images, " << r.test_images << " test images, " << r.pairs
              << " pairs to " << o->out << "\n";
  });
}

}  // namespace facenet::cli
