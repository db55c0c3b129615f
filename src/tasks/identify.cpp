#include "facenet/tasks/identify.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <map>

#include "embed_common.h"
#include "facenet/core/error.h"
#include "facenet/data/preprocess.h"
#include "facenet/eval/identification.h"
#include "facenet/infer/faces.h"
#include "gallery_common.h"

namespace facenet::tasks {

namespace fs = std::filesystem;

IdentifyResult run_identify(const IdentifyOptions& opt) {
  if (opt.k < 1) throw ConfigError("identify -k: must be >= 1");
  if (!fs::exists(opt.gallery)) throw Error("gallery '" + opt.gallery + "' does not exist");
  const auto o = open_gallery(opt.model, opt.gallery, /*folder_means=*/true, opt.batch_size, opt.threads, opt.detect, opt.dtype);
  const auto& g = o.gallery;
  const auto plan = infer::face_plan(o.net.meta, opt.detect);
  torch::Tensor q;
  IdentifyResult result;
  result.detector = to_string(plan.detect.detector);
  if (plan.active()) {  // every face of the probe
    const auto f = infer::embed_photo_faces(o.net, {opt.probe}, plan, opt.batch_size, "identify");
    if (f.faces.empty()) throw Error("identify: no face found in '" + opt.probe + "' (detector " + result.detector + ")");
    q = f.embeddings.to(torch::kFloat).contiguous();
    for (size_t i = 0; i < f.faces.size(); ++i) {
      const auto& b = f.faces[i].box;
      ProbeFace face;
      face.face = f.index[i];
      face.box = {b.x, b.y, b.width, b.height};
      face.score = f.faces[i].score;
      result.faces.push_back(face);
    }
  } else {
    q = o.net.forward(data::load_images({opt.probe}, o.net.meta.preprocess, false, opt.threads)).to(torch::kFloat).contiguous();
    result.faces.emplace_back();
  }
  const int64_t n = q.size(0);
  const auto d = eval::identity_distances(q.data_ptr<float>(), n, g.embeddings.data(), g.labels.data(), g.rows(), g.dim,
                                          static_cast<int64_t>(g.identities.size()));
  if (opt.threshold < 0) throw ConfigError("identify --threshold: must be > 0");
  result.threshold = opt.threshold > 0 ? opt.threshold : l2_threshold(o.net.meta);
  result.gallery_images = 0;
  for (auto c : g.counts) result.gallery_images += c;
  result.identities = static_cast<int64_t>(g.identities.size());
  result.embeddings = g.rows();
  result.model = o.model;
  for (int64_t i = 0; i < n; ++i) {
    auto& face = result.faces[static_cast<size_t>(i)];
    // The k nearest, their distances recomputed in double over the identity's rows (float
    // similarities leave ~3e-4 for an identical image).
    const auto top = eval::nearest(d, i, opt.k);
    std::map<int64_t, double> exact;
    for (const auto& [id, dist] : top) exact[id] = std::numeric_limits<double>::infinity();
    const float* qp = q.data_ptr<float>() + i * g.dim;
    for (int64_t r = 0; r < g.rows(); ++r) {
      auto it = exact.find(g.labels[static_cast<size_t>(r)]);
      if (it == exact.end()) continue;
      double s = 0;
      for (int64_t j = 0; j < g.dim; ++j) {
        const double diff = static_cast<double>(g.embeddings[static_cast<size_t>(r * g.dim + j)]) - qp[j];
        s += diff * diff;
      }
      it->second = std::min(it->second, std::sqrt(s));
    }
    for (const auto& [id, dist] : top)
      face.ranking.push_back({g.identities[static_cast<size_t>(id)], exact[id], g.counts[static_cast<size_t>(id)]});
    std::stable_sort(face.ranking.begin(), face.ranking.end(),
                     [](const IdentityMatch& a, const IdentityMatch& b) { return a.distance < b.distance; });
    face.unknown = result.threshold > 0 && (face.ranking.empty() || face.ranking[0].distance >= result.threshold);
  }
  return result;
}

}  // namespace facenet::tasks
