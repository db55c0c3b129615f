#include "gallery_common.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include <cmath>
#include <filesystem>
#include <algorithm>
#include <limits>
#include <map>

#include "embed_common.h"
#include "facenet/core/error.h"
#include "facenet/eval/identification.h"
#include "facenet/infer/faces.h"
#include "facenet/tasks/embed_tools.h"

namespace facenet::tasks {

namespace fs = std::filesystem;

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

infer::Gallery embed_gallery(const infer::LoadedNetwork& net, const std::string& model, const std::string& digest,
                             const Labelled& all, bool mean, int64_t batch_size, int threads,
                             const DetectArgs& detect) {
  auto largest = detect;
  largest.largest = true;
  const auto plan = infer::face_plan(net.meta, largest);
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

std::vector<std::vector<IdentityMatch>> rank_identities(const infer::Gallery& g, const float* probes, int64_t n,
                                                        int64_t k) {
  constexpr int64_t kBlock = 1024;  // probes per distance matrix (block x identities floats)
  std::vector<std::vector<IdentityMatch>> out(static_cast<size_t>(n));
  const auto identities = static_cast<int64_t>(g.identities.size());
  for (int64_t start = 0; start < n; start += kBlock) {
    const int64_t rows = std::min(kBlock, n - start);
    const float* block = probes + start * g.dim;
    const auto d = eval::identity_distances(block, rows, g.embeddings.data(), g.labels.data(), g.rows(), g.dim, identities);
    for (int64_t i = 0; i < rows; ++i) {
      const auto top = eval::nearest(d, i, k);
      std::map<int64_t, double> exact;
      for (const auto& [id, dist] : top) exact[id] = std::numeric_limits<double>::infinity();
      const float* qp = block + i * g.dim;
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
      auto& ranking = out[static_cast<size_t>(start + i)];
      for (const auto& [id, dist] : top)
        ranking.push_back({g.identities[static_cast<size_t>(id)], exact[id], g.counts[static_cast<size_t>(id)]});
      std::stable_sort(ranking.begin(), ranking.end(),
                       [](const IdentityMatch& a, const IdentityMatch& b) { return a.distance < b.distance; });
    }
  }
  return out;
}

std::string absolute_path(const std::string& path) { return fs::absolute(path).lexically_normal().string(); }

OpenGallery open_gallery(const std::string& model, const std::string& gallery, bool folder_means, int64_t batch_size,
                         int threads, const DetectArgs& detect, InferenceDtype dtype,
                         const PreprocessArgs& preprocess) {
  OpenGallery o;
  if (fs::is_regular_file(gallery)) {
    o.gallery = infer::load_gallery(gallery);
    o.model = model.empty() ? o.gallery.model : model;
    infer::require_same_model(o.gallery, gallery, infer::model_digest(o.model), o.model);
    o.net = infer::load_network(o.model, dtype, preprocess);
    if (o.net.meta.embedding_size != o.gallery.dim)
      throw Error(fmt::format("gallery '{}' holds {}-d embeddings, model '{}' gives {}-d", gallery, o.gallery.dim, o.model,
                              o.net.meta.embedding_size));
    return o;
  }
  if (model.empty()) throw ConfigError("--model is required when the gallery '" + gallery + "' is a folder");
  const auto images = labelled_images(gallery, "gallery");
  o.model = model;
  o.net = infer::load_network(model, dtype, preprocess);
  o.gallery = embed_gallery(o.net, absolute_path(model), "", images, folder_means, batch_size, threads, detect);
  return o;
}

}  // namespace facenet::tasks
