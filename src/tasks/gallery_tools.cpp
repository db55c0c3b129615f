#include "facenet/tasks/gallery_tools.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <torch/torch.h>

#include <cmath>
#include <filesystem>
#include <map>
#include <set>

#include "embed_common.h"
#include "facenet/infer/faces.h"
#include "facenet/core/error.h"
#include "facenet/core/fs.h"
#include "facenet/eval/identification.h"
#include "facenet/infer/gallery.h"
#include "facenet/tasks/embed_tools.h"

namespace facenet::tasks {
namespace {

namespace fs = std::filesystem;

struct Labelled {
  std::vector<std::string> paths, names, identities;
};

// folder/<identity>/<image> (images directly in the folder are their own identity by file stem).
Labelled labelled_images(const std::string& folder, const std::string& what) {
  if (!fs::is_directory(folder)) throw Error(what + " '" + folder + "' is not a folder");
  Labelled out;
  for (auto& [path, name] : list_images(folder)) {
    const fs::path rel(name);
    out.paths.push_back(path);
    out.names.push_back(name);
    out.identities.push_back(rel.has_parent_path() ? rel.begin()->string() : rel.stem().string());
  }
  if (out.paths.empty()) throw Error(what + " '" + folder + "' holds no images");
  return out;
}

std::vector<float> unit_mean(const float* rows, const std::vector<int64_t>& idx, const std::vector<double>& weights,
                             int64_t dim) {
  std::vector<double> sum(static_cast<size_t>(dim), 0.0);
  for (size_t i = 0; i < idx.size(); ++i)
    for (int64_t j = 0; j < dim; ++j) sum[static_cast<size_t>(j)] += weights[i] * rows[idx[i] * dim + j];
  double norm = 0;
  for (double v : sum) norm += v * v;
  norm = std::sqrt(std::max(norm, 1e-24));
  std::vector<float> out(static_cast<size_t>(dim));
  for (int64_t j = 0; j < dim; ++j) out[static_cast<size_t>(j)] = static_cast<float>(sum[static_cast<size_t>(j)] / norm);
  return out;
}

// Embeds a folder tree into a gallery made by `net` (one row per image, or one mean per identity).
// With a detector each image gives its largest face (images without one are logged and left out).
infer::Gallery embed_gallery(const infer::LoadedNetwork& net, const std::string& model, const std::string& digest,
                             const Labelled& all, bool mean, int64_t batch_size, int threads,
                             const DetectArgs& detect = {}) {
  const auto plan = infer::face_plan(net.meta, {detect.detect, detect.detect_model, true});
  torch::Tensor emb;
  Labelled images;
  if (plan.active()) {
    const auto f = infer::embed_photo_faces(net, all.paths, plan, batch_size, "enroll");
    emb = f.embeddings;
    for (auto i : f.photo) {
      images.paths.push_back(all.paths[static_cast<size_t>(i)]);
      images.names.push_back(all.names[static_cast<size_t>(i)]);
      images.identities.push_back(all.identities[static_cast<size_t>(i)]);
    }
  } else {
    emb = embed_paths(net, all.paths, batch_size, threads);
    images = all;
  }
  infer::Gallery g;
  g.model_digest = digest;
  g.model = model;
  g.meta = net.meta;
  g.mean = mean;
  g.dim = emb.size(1);
  std::map<std::string, std::vector<int64_t>> members;
  for (size_t i = 0; i < images.paths.size(); ++i) members[images.identities[i]].push_back(static_cast<int64_t>(i));
  const float* p = emb.data_ptr<float>();
  for (const auto& [id, idx] : members) {
    const auto label = static_cast<int32_t>(g.identities.size());
    g.identities.push_back(id);
    g.counts.push_back(static_cast<int64_t>(idx.size()));
    if (mean) {
      const auto m = unit_mean(p, idx, std::vector<double>(idx.size(), 1.0), g.dim);
      g.embeddings.insert(g.embeddings.end(), m.begin(), m.end());
      g.labels.push_back(label);
      g.sources.push_back(fmt::format("mean of {}", idx.size()));
    } else {
      for (auto i : idx) {
        g.embeddings.insert(g.embeddings.end(), p + i * g.dim, p + (i + 1) * g.dim);
        g.labels.push_back(label);
        g.sources.push_back(images.names[static_cast<size_t>(i)]);
      }
    }
  }
  return g;
}

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

std::string absolute(const std::string& path) { return fs::absolute(path).lexically_normal().string(); }

// A gallery file (loaded; its model checked or taken) or a folder (embedded now).
struct OpenGallery {
  infer::Gallery gallery;
  infer::LoadedNetwork net;
  std::string model;
};

OpenGallery open_gallery(const std::string& model, const std::string& gallery, bool folder_means, int64_t batch_size,
                         int threads, const DetectArgs& detect, InferenceDtype dtype) {
  OpenGallery o;
  if (fs::is_regular_file(gallery)) {
    o.gallery = infer::load_gallery(gallery);
    o.model = model.empty() ? o.gallery.model : model;
    infer::require_same_model(o.gallery, gallery, infer::model_digest(o.model), o.model);
    o.net = infer::load_network(o.model, dtype);
    if (o.net.meta.embedding_size != o.gallery.dim)
      throw Error(fmt::format("gallery '{}' holds {}-d embeddings, model '{}' gives {}-d", gallery, o.gallery.dim, o.model,
                              o.net.meta.embedding_size));
    return o;
  }
  if (model.empty()) throw ConfigError("--model is required when the gallery '" + gallery + "' is a folder");
  const auto images = labelled_images(gallery, "gallery");
  o.model = model;
  o.net = infer::load_network(model, dtype);
  o.gallery = embed_gallery(o.net, absolute(model), "", images, folder_means, batch_size, threads, detect);
  return o;
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
  const auto net = infer::load_network(o.model, o.dtype);
  auto fresh = embed_gallery(net, absolute(o.model), digest, images, o.mean, o.batch_size, o.threads, o.detect);
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

IdentifyResult run_identify(const IdentifyOptions& opt) {
  if (opt.k < 1) throw ConfigError("identify -k: must be >= 1");
  if (!fs::exists(opt.gallery)) throw Error("gallery '" + opt.gallery + "' does not exist");
  const auto o = open_gallery(opt.model, opt.gallery, /*folder_means=*/true, opt.batch_size, opt.threads, opt.detect, opt.dtype);
  const auto& g = o.gallery;
  const auto plan = infer::face_plan(o.net.meta, {opt.detect.detect, opt.detect.detect_model, opt.detect.largest});
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

EvalIdentifySummary run_eval_identify(const EvalIdentifyOptions& opt) {
  const auto o = open_gallery(opt.model, opt.gallery, /*folder_means=*/false, opt.batch_size, opt.threads, {}, opt.dtype);
  const auto& g = o.gallery;
  const auto probes = labelled_images(opt.probes, "probes");
  std::map<std::string, int64_t> index;
  for (size_t i = 0; i < g.identities.size(); ++i) index[g.identities[i]] = static_cast<int64_t>(i);
  std::vector<int64_t> truth;
  for (const auto& id : probes.identities) {
    const auto it = index.find(id);
    truth.push_back(it == index.end() ? -1 : it->second);
  }
  const auto q = embed_paths(o.net, probes.paths, opt.batch_size, opt.threads);
  const auto d = eval::identity_distances(q.data_ptr<float>(), q.size(0), g.embeddings.data(), g.labels.data(), g.rows(),
                                          g.dim, static_cast<int64_t>(g.identities.size()));
  if (opt.threshold < 0) throw ConfigError("eval-identify --threshold: must be > 0");
  const double threshold = opt.threshold > 0 ? opt.threshold : l2_threshold(o.net.meta);
  const auto report = eval::evaluate_identification(d, truth, opt.fpir_targets, threshold);
  EvalIdentifySummary s;
  s.json = eval::to_json(report);
  s.table = fmt::format("gallery: {} identities, {} embeddings; probes: {} ({} mated, {} non-mated)\n", report.identities,
                        g.rows(), report.probes, report.mated, report.non_mated);
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
