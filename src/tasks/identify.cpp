#include "facenet/tasks/identify.h"

#include <torch/torch.h>

#include <filesystem>

#include "embed_common.h"
#include "facenet/core/error.h"
#include "facenet/data/preprocess.h"
#include "facenet/infer/faces.h"
#include "gallery_common.h"

namespace facenet::tasks {

namespace fs = std::filesystem;

IdentifyResult run_identify(const IdentifyOptions& opt) {
  if (opt.k < 1) throw ConfigError("identify -k: must be >= 1");
  if (!fs::exists(opt.gallery)) throw Error("gallery '" + opt.gallery + "' does not exist");
  const auto o = open_gallery(opt.model, opt.gallery, /*folder_means=*/true, opt.batch_size, opt.threads, opt.detect, opt.dtype,
                              opt.preprocess);
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
  if (opt.threshold < 0) throw ConfigError("identify --threshold: must be > 0");
  result.threshold = opt.threshold > 0 ? opt.threshold : l2_threshold(o.net.meta);
  result.gallery_images = 0;
  for (auto c : g.counts) result.gallery_images += c;
  result.identities = static_cast<int64_t>(g.identities.size());
  result.embeddings = g.rows();
  result.model = o.model;
  auto rankings = rank_identities(g, q.data_ptr<float>(), q.size(0), opt.k);
  for (size_t i = 0; i < rankings.size(); ++i) {
    auto& face = result.faces[i];
    face.ranking = std::move(rankings[i]);
    face.unknown = result.threshold > 0 && (face.ranking.empty() || face.ranking[0].distance >= result.threshold);
  }
  return result;
}

}  // namespace facenet::tasks
