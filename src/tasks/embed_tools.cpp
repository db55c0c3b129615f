#include "facenet/tasks/embed_tools.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <map>

#include "facenet/core/error.h"
#include "facenet/core/fs.h"
#include "facenet/data/dataset.h"
#include "facenet/data/preprocess.h"
#include "facenet/infer/batches.h"
#include "facenet/infer/embedder.h"
#include "facenet/infer/network_loader.h"

namespace facenet::tasks {
namespace {

namespace fs = std::filesystem;

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Embeds `paths` in batches with a progress line; returns (N, D) float32.
torch::Tensor embed_paths(const infer::LoadedNetwork& net, const std::vector<std::string>& paths, int64_t batch_size,
                          int threads) {
  if (paths.empty()) return torch::zeros({0, net.meta.embedding_size});
  return infer::map_batches(paths, batch_size, "embed", [&](const std::vector<std::string>& chunk) {
           return net.forward(data::load_images(chunk, net.meta.preprocess, false, threads)).to(torch::kFloat);
         }).contiguous();
}

// The stored threshold in L2 units (unit-norm embeddings): l2sq -> sqrt, angular
// distance t = theta / pi -> chord 2 sin(theta / 2).
double l2_threshold(const infer::ExportMeta& meta) {
  switch (meta.distance) {
    case Distance::L2: return meta.threshold;
    case Distance::L2Squared: return std::sqrt(std::max(0.0, meta.threshold));
    case Distance::Cosine: return 2 * std::sin(meta.threshold * M_PI / 2);
  }
  return meta.threshold;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> list_images(const std::string& input) {
  std::vector<std::pair<std::string, std::string>> out;
  if (fs::is_directory(input)) {
    for (const auto& e : fs::recursive_directory_iterator(input))
      if (e.is_regular_file() && data::is_image_path(e.path().string()))
        out.emplace_back(e.path().string(), fs::relative(e.path(), input).generic_string());
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.second < b.second; });
  } else if (fs::is_regular_file(input)) {
    out.emplace_back(input, input);
  } else {
    throw Error("input '" + input + "' does not exist");
  }
  return out;
}

void write_npy(const std::string& path, const float* data, int64_t rows, int64_t cols) {
  std::string header = fmt::format("{{'descr': '<f4', 'fortran_order': False, 'shape': ({}, {}), }}", rows, cols);
  // magic (6) + version (2) + length (2) + header, padded with spaces to a multiple of 64, '\n'-terminated.
  const size_t total = 10 + header.size() + 1;
  header += std::string((64 - total % 64) % 64, ' ') + "\n";
  std::string bytes("\x93NUMPY\x01\x00", 8);
  bytes += static_cast<char>(header.size() & 0xff);
  bytes += static_cast<char>((header.size() >> 8) & 0xff);
  bytes += header;
  bytes.append(reinterpret_cast<const char*>(data), static_cast<size_t>(rows * cols) * sizeof(float));
  write_file_atomic(path, bytes);
}

int64_t run_embed(const EmbedOptions& o) {
  const bool csv = ends_with(o.out, ".csv"), npy = ends_with(o.out, ".npy");
  if (!csv && !npy) throw ConfigError("embed --out: expected a .csv or .npy file (got '" + o.out + "')");
  if (o.inputs.empty()) throw ConfigError("embed: no input folders or images given");
  std::vector<std::string> paths, names;
  for (const auto& input : o.inputs)
    for (auto& [path, name] : list_images(input)) {
      paths.push_back(path);
      names.push_back(name);
    }
  if (paths.empty()) throw Error("embed: no images (jpg, jpeg, png, bmp, webp, pgm, ppm, tif, tiff) found in the given inputs");
  const auto net = infer::load_network(o.model);
  const auto emb = embed_paths(net, paths, std::max<int64_t>(1, o.batch_size), o.threads);
  const int64_t n = emb.size(0), d = emb.size(1);
  const float* p = emb.data_ptr<float>();
  if (npy) {
    write_npy(o.out, p, n, d);
    std::string list;
    for (const auto& name : names) list += name + "\n";
    write_file_atomic(o.out + ".txt", list);
  } else {
    std::string text;
    for (int64_t i = 0; i < n; ++i) {
      text += names[static_cast<size_t>(i)];
      for (int64_t j = 0; j < d; ++j) text += fmt::format(",{:.8g}", p[i * d + j]);
      text += "\n";
    }
    write_file_atomic(o.out, text);
  }
  return n;
}

VerifyResult run_verify(const std::string& model, const std::string& image_a, const std::string& image_b) {
  const Embedder embedder(model);
  const auto c = embedder.compare(embedder.embed_file(image_a), embedder.embed_file(image_b));
  return {c.distance, embedder.threshold(), c.same, to_string(embedder.meta().distance)};
}

IdentifyResult run_identify(const std::string& model, const std::string& gallery, const std::string& probe, int64_t k,
                            int64_t batch_size, int threads) {
  if (!fs::is_directory(gallery)) throw Error("gallery '" + gallery + "' is not a folder");
  if (k < 1) throw ConfigError("identify -k: must be >= 1");
  std::vector<std::string> paths;
  std::map<std::string, std::vector<int64_t>> members;
  for (auto& [path, name] : list_images(gallery)) {
    const fs::path rel(name);
    const auto identity = rel.has_parent_path() ? rel.begin()->string() : rel.stem().string();
    members[identity].push_back(static_cast<int64_t>(paths.size()));
    paths.push_back(path);
  }
  if (paths.empty()) throw Error("gallery '" + gallery + "' holds no images");
  const auto net = infer::load_network(model);
  const auto emb = embed_paths(net, paths, std::max<int64_t>(1, batch_size), threads);
  // Mean embedding per identity, re-normalised: (I, D).
  std::vector<std::string> ids;
  std::vector<torch::Tensor> means;
  for (const auto& [id, idx] : members) {
    ids.push_back(id);
    means.push_back(emb.index_select(0, torch::tensor(idx)).mean(0));
  }
  // Double precision so that a probe equal to a gallery image scores 0, not sqrt(float rounding).
  const auto centres = torch::nn::functional::normalize(torch::stack(means).to(torch::kDouble),
                                                        torch::nn::functional::NormalizeFuncOptions().dim(1));
  const auto q = net.forward(data::load_images({probe}, net.meta.preprocess, false, threads)).to(torch::kDouble);
  // ||c - q||^2 = |c|^2 + |q|^2 - 2 c.q, one matrix product for the whole gallery.
  const auto d2 = (centres.pow(2).sum(1) + q.pow(2).sum() - 2 * torch::matmul(centres, q[0])).clamp_min(0);
  const auto top = torch::topk(d2, std::min<int64_t>(k, d2.size(0)), 0, /*largest=*/false);
  IdentifyResult result;
  result.threshold = l2_threshold(net.meta);
  result.gallery_images = static_cast<int64_t>(paths.size());
  result.identities = static_cast<int64_t>(ids.size());
  const auto values = std::get<0>(top), indices = std::get<1>(top);
  for (int64_t i = 0; i < values.size(0); ++i) {
    const auto idx = indices[i].item<int64_t>();
    result.ranking.push_back({ids[static_cast<size_t>(idx)], std::sqrt(values[i].item<double>()),
                              static_cast<int64_t>(members[ids[static_cast<size_t>(idx)]].size())});
  }
  return result;
}

}  // namespace facenet::tasks
