#pragma once
// A small synthetic face set in a temp folder, generated once per test binary and shared.
#include <string>

namespace facenet::test {

struct SynthSet {
  std::string root;   ///< root/train/<id>/..., root/test/<id>/..., root/test/pairs.txt
  std::string train;  ///< root/train
  std::string test;   ///< root/test
  std::string pairs;  ///< root/test/pairs.txt
};

/// Generates (once, cached by arguments) `identities` x `images` training faces of `size` px and
/// `test_identities` held-out ones with an LFW-format pairs file (10 folds x pairs_per_fold).
const SynthSet& synth_set(int identities, int images, int test_identities, int size, int pairs_per_fold = 10);

}  // namespace facenet::test
