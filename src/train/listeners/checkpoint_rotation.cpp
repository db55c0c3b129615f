#include <algorithm>
#include <filesystem>

#include "facenet/train/listeners.h"
#include "facenet/train/trainer.h"

namespace facenet::train {
namespace fs = std::filesystem;
namespace {

/// Keeps the newest `keep` periodic checkpoints (epoch-NNNN.pt).
void prune_periodic(const fs::path& dir, int64_t keep) {
  std::vector<fs::path> periodic;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().filename().string().rfind("epoch-", 0) == 0 && e.path().extension() == ".pt")
      periodic.push_back(e.path());
  std::sort(periodic.begin(), periodic.end());
  for (std::size_t i = 0; i + keep < periodic.size(); ++i) fs::remove(periodic[i]);
}

}  // namespace

void CheckpointRotation::on_epoch_end(Trainer& t, int64_t epoch, bool improved) {
  t.save("last.pt");
  if (improved) t.save("best.pt");
  const auto& c = t.config().train;
  if (c.save_every_epochs > 0 && epoch % c.save_every_epochs == 0) {
    char name[32];
    std::snprintf(name, sizeof(name), "epoch-%04ld.pt", static_cast<long>(epoch));
    t.save(name);
    prune_periodic(t.run_dir() / "checkpoints", c.keep_last);
  }
}

}  // namespace facenet::train
