#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include "facenet/core/fs.h"
#include "facenet/train/listeners.h"
#include "facenet/train/trainer.h"

namespace facenet::train {

void BeforeAfterReport::on_train_end(Trainer& t, const TrainResult& r) {
  if (r.before_after.empty()) return;
  nlohmann::json sets = nlohmann::json::array();
  for (const auto& b : r.before_after) {
    nlohmann::json row{{"set", b.set}, {"before", b.before}};
    if (b.after >= 0) row["after"] = b.after, row["change"] = b.after - b.before;
    sets.push_back(row);
    if (b.after >= 0)
      spdlog::info("[finetune] {}: accuracy {:.4f} before -> {:.4f} after ({:+.4f})", b.set, b.before, b.after,
                   b.after - b.before);
    else
      spdlog::info("[finetune] {}: accuracy {:.4f} before (no evaluation after it)", b.set, b.before);
  }
  const auto& c = t.config().train;
  const nlohmann::json doc{{"init_from", c.init_from}, {"init_digest", c.init_digest}, {"step", r.steps}, {"sets", sets}};
  write_file_atomic((t.run_dir() / "before_after.json").string(), doc.dump(2) + "\n");
}

}  // namespace facenet::train
