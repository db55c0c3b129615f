#include "support/synth_fixture.h"

#include <unistd.h>

#include <filesystem>
#include <map>
#include <mutex>

#include "facenet/data/synth.h"

namespace facenet::test {

const SynthSet& synth_set(int identities, int images, int test_identities, int size, int pairs_per_fold) {
  static std::mutex mutex;
  static std::map<std::string, SynthSet> cache;
  std::lock_guard<std::mutex> lock(mutex);
  const std::string key = std::to_string(identities) + "x" + std::to_string(images) + "-" +
                          std::to_string(test_identities) + "-" + std::to_string(size) + "-" +
                          std::to_string(pairs_per_fold);
  auto it = cache.find(key);
  if (it != cache.end()) return it->second;
  const auto root = std::filesystem::temp_directory_path() /
                    ("facenet_synth_" + key + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(root);
  data::SynthOptions options;
  options.out = root.string();
  options.identities = identities;
  options.images_per_identity = images;
  options.pair_identities = test_identities;
  options.image_size = size;
  options.pairs_per_fold = pairs_per_fold;
  options.seed = 7;
  data::synthesize_dataset(options);
  SynthSet set{root.string(), (root / "train").string(), (root / "test").string(), (root / "test" / "pairs.txt").string()};
  return cache.emplace(key, set).first->second;
}

}  // namespace facenet::test
