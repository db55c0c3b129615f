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
#include "facenet/infer/faces.h"
#include "facenet/infer/network_loader.h"
#include "embed_common.h"
#include "video_common.h"

namespace facenet::tasks {
namespace {

namespace fs = std::filesystem;

}  // namespace

std::vector<std::pair<std::string, std::string>> list_images(const std::string& input) {
  std::vector<std::pair<std::string, std::string>> out;
  if (fs::is_directory(input)) {
    // Names are the path below `input` as listed, not resolved: fs::relative would follow a
    // symlinked image to its target and name it "../..." (a gallery of links into a dataset).
    for (const auto& e : fs::recursive_directory_iterator(input))
      if (e.is_regular_file() && data::is_image_path(e.path().string()))
        out.emplace_back(e.path().string(), e.path().lexically_relative(input).generic_string());
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

EmbedSummary run_embed(const EmbedOptions& o) {
  const bool csv = ends_with(o.out, ".csv"), npy = ends_with(o.out, ".npy");
  if (!csv && !npy) throw ConfigError("embed --out: expected a .csv or .npy file (got '" + o.out + "')");
  if (o.inputs.empty()) throw ConfigError("embed: no input folders or images given");
  auto inputs = o.inputs;
  const auto videos = take_videos(inputs);
  if (!videos.empty() && !inputs.empty())
    throw ConfigError("embed: give images or videos, not both (a video's rows lead with other columns): '" +
                      videos.front() + "' and '" + inputs.front() + "'");
  if (!videos.empty()) check_video_args(o.video);
  std::vector<std::string> paths, names;
  for (const auto& input : inputs)
    for (auto& [path, name] : list_images(input)) {
      paths.push_back(path);
      names.push_back(name);
    }
  if (paths.empty() && videos.empty())
    throw Error("embed: no images (jpg, jpeg, png, bmp, webp, pgm, ppm, tif, tiff) found in the given inputs");
  const auto net = infer::load_network(o.model, o.dtype, o.preprocess);
  const auto plan = infer::face_plan(net.meta, o.detect);
  EmbedSummary summary;
  summary.images = static_cast<int64_t>(paths.size());
  summary.videos = static_cast<int64_t>(videos.size());
  summary.detector = to_string(plan.detect.detector);
  summary.crop = to_string(plan.crop.rule);
  torch::Tensor emb;
  std::vector<std::string> lead;  // the leading columns of each row
  if (!videos.empty()) {
    for (const auto& video : videos) require_video_detector(plan, o.detect, video, "embed");
    std::vector<torch::Tensor> parts;
    for (const auto& video : videos) {
      const auto f = embed_video(net, video, plan, o.video, o.batch_size, "embed");
      parts.push_back(f.embeddings);
      summary.frames += f.frames;
      summary.tracks += f.tracks;
      summary.without_face += f.without_face;
      for (size_t i = 0; i < f.faces.size(); ++i) lead.push_back(video_lead(video, f, i));
    }
    emb = torch::cat(parts).contiguous();
  } else if (plan.active()) {
    const auto faces = infer::embed_photo_faces(net, paths, plan, o.batch_size, "embed");
    emb = faces.embeddings;
    summary.without_face = faces.without_face;
    summary.unreadable = faces.unreadable;
    for (size_t i = 0; i < faces.faces.size(); ++i) {
      const auto& b = faces.faces[i].box;
      lead.push_back(fmt::format("{},{},{},{},{},{},{:.4g}", names[static_cast<size_t>(faces.photo[i])], faces.index[i],
                                 b.x, b.y, b.width, b.height, faces.faces[i].score));
    }
  } else {
    emb = embed_paths(net, paths, std::max<int64_t>(1, o.batch_size), o.threads);
    lead = names;
  }
  const int64_t n = emb.size(0), d = emb.size(1);
  summary.rows = n;
  const float* p = emb.data_ptr<float>();
  if (npy) {
    write_npy(o.out, p, n, d);
    std::string list;
    for (const auto& l : lead) list += l + "\n";
    write_file_atomic(o.out + ".txt", list);
  } else {
    std::string text;
    for (int64_t i = 0; i < n; ++i) {
      text += lead[static_cast<size_t>(i)];
      for (int64_t j = 0; j < d; ++j) text += fmt::format(",{:.8g}", p[i * d + j]);
      text += "\n";
    }
    write_file_atomic(o.out, text);
  }
  return summary;
}

}  // namespace facenet::tasks
