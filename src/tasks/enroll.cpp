#include "facenet/tasks/enroll.h"

#include <fmt/format.h>

#include <filesystem>
#include <map>

#include "facenet/core/error.h"
#include "facenet/infer/gallery.h"
#include "gallery_common.h"

namespace facenet::tasks {
namespace {

namespace fs = std::filesystem;

// Appends `extra` (same model) to `g`; returns the number of identities new to g.
int64_t merge_into(infer::Gallery& g, const infer::Gallery& extra) {
  std::map<std::string, int32_t> index;
  for (size_t i = 0; i < g.identities.size(); ++i) index[g.identities[i]] = static_cast<int32_t>(i);
  int64_t added = 0;
  for (int64_t r = 0; r < extra.rows(); ++r) {
    const auto& id = extra.identities[static_cast<size_t>(extra.labels[static_cast<size_t>(r)])];
    const float* row = extra.embeddings.data() + r * extra.dim;
    const auto n = extra.counts[static_cast<size_t>(extra.labels[static_cast<size_t>(r)])];
    auto it = index.find(id);
    if (it == index.end()) {
      it = index.emplace(id, static_cast<int32_t>(g.identities.size())).first;
      g.identities.push_back(id);
      g.counts.push_back(0);
      ++added;
    } else if (g.mean) {
      // Count-weighted mean of the stored mean and the new one, re-normalised in place.
      size_t at = 0;
      while (g.labels[at] != it->second) ++at;
      std::vector<float> both(g.embeddings.begin() + static_cast<long>(at * g.dim),
                              g.embeddings.begin() + static_cast<long>((at + 1) * g.dim));
      both.insert(both.end(), row, row + extra.dim);
      const auto m = unit_mean(both.data(), {0, 1},
                               {static_cast<double>(g.counts[static_cast<size_t>(it->second)]), static_cast<double>(n)},
                               g.dim);
      std::copy(m.begin(), m.end(), g.embeddings.begin() + static_cast<long>(at * g.dim));
      g.counts[static_cast<size_t>(it->second)] += n;
      g.sources[at] = fmt::format("mean of {}", g.counts[static_cast<size_t>(it->second)]);
      continue;
    }
    if (g.mean) g.counts[static_cast<size_t>(it->second)] = n;
    else g.counts[static_cast<size_t>(it->second)] += 1;
    g.labels.push_back(it->second);
    g.sources.push_back(extra.sources[static_cast<size_t>(r)]);
    g.embeddings.insert(g.embeddings.end(), row, row + extra.dim);
  }
  return added;
}

}  // namespace

EnrollResult run_enroll(const EnrollOptions& o) {
  if (o.out.empty()) throw ConfigError("enroll: --out is required");
  const auto images = labelled_images(o.gallery, "gallery");
  const auto digest = infer::model_digest(o.model);
  infer::Gallery existing;
  const bool extend = o.add && fs::exists(o.out);
  if (extend) {
    existing = infer::load_gallery(o.out);
    infer::require_same_model(existing, o.out, digest, o.model);
    if (existing.mean != o.mean)
      throw ConfigError(fmt::format("enroll --add: gallery '{}' {} mean embeddings; {} --mean to add to it", o.out,
                                    existing.mean ? "keeps" : "does not keep", existing.mean ? "pass" : "do not pass"));
  }
  const auto net = infer::load_network(o.model, o.dtype, o.preprocess);
  auto fresh = embed_gallery(net, absolute_path(o.model), digest, images, o.mean, o.batch_size, o.threads, o.detect);
  EnrollResult r;
  r.images = static_cast<int64_t>(images.paths.size());
  if (extend) {
    r.new_identities = merge_into(existing, fresh);
    fresh = std::move(existing);
  } else {
    r.new_identities = static_cast<int64_t>(fresh.identities.size());
  }
  infer::save_gallery(o.out, fresh);
  r.identities = static_cast<int64_t>(fresh.identities.size());
  r.rows = fresh.rows();
  return r;
}

}  // namespace facenet::tasks
