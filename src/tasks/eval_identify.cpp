#include "facenet/tasks/eval_identify.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include <filesystem>
#include <map>

#include "embed_common.h"
#include "facenet/core/error.h"
#include "facenet/core/fs.h"
#include "facenet/eval/identification.h"
#include "facenet/infer/faces.h"
#include "facenet/infer/photo_embed.h"
#include "gallery_common.h"

namespace facenet::tasks {

namespace fs = std::filesystem;

EvalIdentifySummary run_eval_identify(const EvalIdentifyOptions& opt) {
  const auto o = open_gallery(opt.model, opt.gallery, /*folder_means=*/false, opt.batch_size, opt.threads, opt.detect,
                              opt.dtype, opt.preprocess);
  const auto& g = o.gallery;
  const auto probes = labelled_images(opt.probes, "probes");
  std::map<std::string, int64_t> index;
  for (size_t i = 0; i < g.identities.size(); ++i) index[g.identities[i]] = static_cast<int64_t>(i);
  std::vector<int64_t> truth;
  for (const auto& id : probes.identities) {
    const auto it = index.find(id);
    truth.push_back(it == index.end() ? -1 : it->second);
  }
  const auto plan = infer::face_plan(o.net.meta, opt.detect);
  detect::CropSummary cropping;
  torch::Tensor q;
  if (plan.active()) {
    // One face per probe, so that every probe keeps its place in the protocol.
    auto photos = infer::photo_embed_fn(o.net.forward, o.net.meta, plan, opt.threads);
    q = infer::map_batches(probes.paths, std::max<int64_t>(1, opt.batch_size), "eval-identify",
                           [&](const std::vector<std::string>& chunk) { return photos.embed(chunk, false); });
    cropping = photos.summary();
  } else {
    q = embed_paths(o.net, probes.paths, opt.batch_size, opt.threads);
  }
  const auto d = eval::identity_distances(q.data_ptr<float>(), q.size(0), g.embeddings.data(), g.labels.data(), g.rows(),
                                          g.dim, static_cast<int64_t>(g.identities.size()));
  if (opt.threshold < 0) throw ConfigError("eval-identify --threshold: must be > 0");
  const double threshold = opt.threshold > 0 ? opt.threshold : l2_threshold(o.net.meta);
  const auto report = eval::evaluate_identification(d, truth, opt.fpir_targets, threshold);
  EvalIdentifySummary s;
  s.json = eval::to_json(report);
  s.table = fmt::format("gallery: {} identities, {} embeddings; probes: {} ({} mated, {} non-mated)\n", report.identities,
                        g.rows(), report.probes, report.mated, report.non_mated);
  if (cropping.active)
    s.table += fmt::format("probe faces: detector {}, crop {} (margin {}); {} of {} probes without a face (their centre "
                           "square embedded)\n",
                           to_string(cropping.crop.detector), to_string(cropping.crop.rule), cropping.crop.margin,
                           cropping.without_face, cropping.photos);
  s.table += fmt::format("rank-1 identification rate: {:.4f}\nrank-5 identification rate: {:.4f}\n", report.rank1,
                         report.rank5);
  for (const auto& p : report.at_fpir)
    s.table += fmt::format("FNIR @ FPIR {:g}: {:.4f} (threshold {:.4f}, FPIR {:.4f})\n", p.fpir_target, p.fnir,
                           p.threshold, p.fpir);
  if (threshold > 0)
    s.table += fmt::format("at {} threshold {:.4f}: FPIR {:.4f}, FNIR {:.4f}\n",
                           opt.threshold > 0 ? "the given" : "the model's", threshold,
                           report.at_model_threshold.fpir, report.at_model_threshold.fnir);
  if (!opt.out.empty()) {
    fs::create_directories(opt.out);
    write_file_atomic((fs::path(opt.out) / "identification.json").string(), s.json);
    eval::write_det_png((fs::path(opt.out) / "det.png").string(), report);
    std::string csv = "probe,identity,mated,rank,best,best_distance,own_distance\n";
    for (int64_t r = 0; r < d.rows; ++r) {
      const auto t = truth[static_cast<size_t>(r)];
      const auto top = eval::nearest(d, r, 1);
      csv += fmt::format("{},{},{},{},{},{:.6f},{}\n", probes.names[static_cast<size_t>(r)],
                         probes.identities[static_cast<size_t>(r)], t >= 0 ? 1 : 0, t >= 0 ? eval::rank_of(d, r, t) : 0,
                         g.identities[static_cast<size_t>(top[0].first)], top[0].second,
                         t >= 0 ? fmt::format("{:.6f}", d.at(r, t)) : "");
    }
    write_file_atomic((fs::path(opt.out) / "probes.csv").string(), csv);
    s.table += "wrote " + (fs::path(opt.out) / "identification.json").string() + ", det.png and probes.csv\n";
  }
  return s;
}

}  // namespace facenet::tasks
