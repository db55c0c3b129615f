#include "facenet/tasks/cluster_tools.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "embed_common.h"
#include "video_common.h"
#include "facenet/infer/faces.h"
#include "facenet/core/error.h"
#include "facenet/core/fs.h"
#include "facenet/data/image_io.h"
#include "facenet/eval/cluster.h"
#include "facenet/detect/video.h"
#include "facenet/eval/identification.h"
#include "facenet/tasks/embed_tools.h"

namespace facenet::tasks {
namespace {

namespace fs = std::filesystem;

// Up to 64 faces per sheet, 8 per row, 96 px each.
void write_contact_sheet(const std::string& path, const std::vector<std::string>& images) {
  const int cell = 96, cols = 8;
  const int n = std::min<int>(64, static_cast<int>(images.size()));
  const int rows = (n + cols - 1) / cols;
  cv::Mat sheet(std::max(1, rows) * cell, std::min(n, cols) * cell, CV_8UC3, cv::Scalar(255, 255, 255));
  for (int i = 0; i < n; ++i) {
    cv::Mat img = cv::imread(images[static_cast<size_t>(i)], cv::IMREAD_COLOR), small;
    if (img.empty()) continue;
    cv::resize(img, small, {cell, cell}, 0, 0, cv::INTER_AREA);
    small.copyTo(sheet(cv::Rect((i % cols) * cell, (i / cols) * cell, cell, cell)));
  }
  data::write_image(path, sheet);
}

// A video face: where it was found (its crop is cut in a second pass over the video).
struct VideoItem {
  std::string video;
  int64_t frame = 0;
  double seconds = 0;
  float score = 0;
  int64_t track = 0;
};

// The boxes of the items of `video` cut from its frames, read again with the same `every`.
void cut_video_crops(const std::string& video, int64_t every, const std::vector<VideoItem>& items,
                     const std::vector<cv::Rect>& boxes, std::vector<cv::Mat>& crops) {
  std::map<int64_t, std::vector<size_t>> by_frame;
  for (size_t i = 0; i < items.size(); ++i)
    if (items[i].video == video) by_frame[items[i].frame].push_back(i);
  if (by_frame.empty()) return;
  detect::VideoReader reader(video, every);
  detect::VideoFrame frame;
  while (reader.next(frame)) {
    const auto it = by_frame.find(frame.index);
    if (it != by_frame.end())
      for (auto i : it->second) {
        const auto box = boxes[i] & cv::Rect(0, 0, frame.bgr.cols, frame.bgr.rows);
        if (box.area() > 0) crops[i] = frame.bgr(box).clone();
      }
    if (frame.index >= by_frame.rbegin()->first) break;
  }
}

}  // namespace

ClusterSummary run_cluster(const ClusterOptions& o) {
  if (o.method != "chinese-whispers" && o.method != "dbscan" && o.method != "agglomerative")
    throw ConfigError("cluster --method: expected chinese-whispers, dbscan or agglomerative (got '" + o.method + "')");
  if (o.inputs.empty()) throw ConfigError("cluster: no photos given");
  auto inputs = o.inputs;
  const auto videos = take_videos(inputs);
  if (!videos.empty()) check_video_args(o.video);
  std::vector<std::string> paths, names;
  for (const auto& input : inputs)
    for (auto& [path, name] : list_images(input)) {
      paths.push_back(path);
      // Several inputs: names keep the input so that equal relative names stay apart.
      names.push_back(o.inputs.size() > 1 && fs::is_directory(input) ? (fs::path(input) / name).generic_string() : name);
    }
  if (paths.empty() && videos.empty()) throw Error("cluster: no images found in the given inputs");
  const auto net = infer::load_network(o.model, o.dtype, o.preprocess);
  ClusterSummary s;
  s.threshold = o.threshold > 0 ? o.threshold : l2_threshold(net.meta);
  if (s.threshold <= 0)
    throw ConfigError("cluster: model '" + o.model + "' has no calibrated threshold; pass --threshold");
  // Items: every detected face (with a detector), else every photo as one face.
  const auto plan = infer::face_plan(net.meta, o.detect);
  for (const auto& video : videos) require_video_detector(plan, o.detect, video, "cluster");
  std::vector<std::string> item_path, item_name;
  std::vector<int64_t> item_face;
  std::vector<cv::Rect> item_box;
  torch::Tensor emb;
  if (paths.empty()) {
    emb = torch::zeros({0, net.meta.embedding_size});
  } else if (plan.active()) {
    const auto f = infer::embed_photo_faces(net, paths, plan, o.batch_size, "cluster");
    emb = f.embeddings;
    s.without_face = f.without_face;
    for (size_t i = 0; i < f.faces.size(); ++i) {
      item_path.push_back(paths[static_cast<size_t>(f.photo[i])]);
      item_name.push_back(names[static_cast<size_t>(f.photo[i])]);
      item_face.push_back(f.index[i]);
      item_box.push_back(cv::Rect(f.faces[i].box));
    }
  } else {
    emb = embed_paths(net, paths, o.batch_size, o.threads);
    for (size_t i = 0; i < paths.size(); ++i) {
      item_path.push_back(paths[i]);
      item_name.push_back(names[i]);
      item_face.push_back(0);
      const auto size = cv::imread(paths[i], cv::IMREAD_UNCHANGED).size();
      item_box.emplace_back(0, 0, size.width, size.height);
    }
  }
  // Each video's faces after the photos': one item per face of every Nth frame.
  std::vector<VideoItem> item_video(item_path.size());  // video "" for a photo's face
  std::vector<torch::Tensor> parts{emb};
  for (const auto& video : videos) {
    const auto f = embed_video(net, video, plan, o.video, o.batch_size, "cluster");
    parts.push_back(f.embeddings);
    s.video_frames += f.frames;
    s.without_face += f.without_face;
    for (size_t i = 0; i < f.faces.size(); ++i) {
      item_path.push_back(video);
      item_name.push_back(video);
      item_face.push_back(f.index[i]);
      item_box.push_back(cv::Rect(f.faces[i].box));
      item_video.push_back({video, f.frame[i], f.seconds[i], f.faces[i].score, f.track[i]});
    }
  }
  emb = torch::cat(parts).contiguous();
  std::vector<cv::Mat> video_crops(item_path.size());
  for (const auto& video : videos) cut_video_crops(video, o.video.every, item_video, item_box, video_crops);
  const int64_t n = emb.size(0), dim = emb.size(1);
  // N x N distances: every face against a "gallery" of every face, one identity each.
  std::vector<int32_t> self(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) self[static_cast<size_t>(i)] = static_cast<int32_t>(i);
  auto d = eval::identity_distances(emb.data_ptr<float>(), n, emb.data_ptr<float>(), self.data(), n, dim, n);
  for (int64_t i = 0; i < n; ++i) d.values[static_cast<size_t>(i * n + i)] = 0;
  const auto labels = o.method == "dbscan"          ? eval::dbscan(d, s.threshold, o.min_samples)
                      : o.method == "agglomerative" ? eval::agglomerative_average(d, s.threshold)
                                                    : eval::chinese_whispers(d, s.threshold, o.iterations, o.seed);
  s.faces = n;
  std::map<int64_t, std::vector<size_t>> members;
  for (size_t i = 0; i < labels.size(); ++i) members[labels[i]].push_back(i);
  s.noise = members.count(-1) ? static_cast<int64_t>(members[-1].size()) : 0;
  s.clusters = static_cast<int64_t>(members.size()) - (s.noise > 0);

  const fs::path out(o.out);
  fs::create_directories(out);
  std::string csv = "file,face,x,y,width,height,cluster\n";
  std::string video_csv = std::string(kVideoColumns) + ",face,cluster\n";
  for (size_t i = 0; i < item_path.size(); ++i) {
    const auto& b = item_box[i];
    const auto& v = item_video[i];
    nlohmann::json line{{"source", item_name[i]}, {"face", item_face[i]}, {"box", {b.x, b.y, b.width, b.height}},
                        {"cluster", labels[i]}};
    if (v.video.empty()) {
      csv += fmt::format("{},{},{},{},{},{},{}\n", item_name[i], item_face[i], b.x, b.y, b.width, b.height, labels[i]);
    } else {
      video_csv += fmt::format("{},{},{:.3f},{},{},{},{},{:.4g},{},{},{}\n", v.video, v.frame, v.seconds, b.x, b.y,
                               b.width, b.height, v.score, v.track, item_face[i], labels[i]);
      line["frame"] = v.frame;
      line["seconds"] = v.seconds;
      line["score"] = v.score;
      line["track"] = v.track;
    }
    s.json_lines += line.dump() + "\n";
  }
  if (!paths.empty()) write_file_atomic((out / "clusters.csv").string(), csv);
  if (!videos.empty()) write_file_atomic((out / "video_clusters.csv").string(), video_csv);
  for (const auto& [label, idx] : members) {
    const auto folder = out / (label < 0 ? std::string("noise") : fmt::format("cluster-{:03d}", label));
    fs::remove_all(folder);
    fs::create_directories(folder);
    std::vector<std::string> faces;
    for (auto i : idx) {
      const auto flat = fs::path(item_name[i]).generic_string();
      std::string link = flat;
      std::replace(link.begin(), link.end(), '/', '_');
      if (!item_video[i].video.empty()) {  // a video's face, cut by cut_video_crops
        if (video_crops[i].empty()) continue;
        const auto target =
            folder / (fs::path(link).stem().string() + fmt::format("_f{}_face{}.png", item_video[i].frame, item_face[i]));
        data::write_image(target.string(), video_crops[i]);
        faces.push_back(target.string());
        continue;
      }
      if (plan.active()) {  // the face itself, cut from its photo
        link = fs::path(link).stem().string() + fmt::format("_face{}.png", item_face[i]);
        auto target = folder / link;
        for (int k = 2; fs::exists(fs::symlink_status(target)); ++k) target = folder / (std::to_string(k) + "_" + link);
        const cv::Mat photo = cv::imread(item_path[i], cv::IMREAD_COLOR);
        const auto box = item_box[i] & cv::Rect(0, 0, photo.cols, photo.rows);
        if (box.area() <= 0) continue;
        data::write_image(target.string(), photo(box));
        faces.push_back(target.string());
        continue;
      }
      auto target = folder / link;
      for (int k = 2; fs::exists(fs::symlink_status(target)); ++k) target = folder / (std::to_string(k) + "_" + link);
      if (o.copy) fs::copy_file(item_path[i], target, fs::copy_options::overwrite_existing);
      else fs::create_symlink(fs::absolute(item_path[i]), target);
      faces.push_back(item_path[i]);
    }
    if (label >= 0) write_contact_sheet((out / fmt::format("cluster-{:03d}.png", label)).string(), faces);
  }
  s.table = fmt::format("{} faces -> {} clusters{} ({}, L2 threshold {:.4f}) -> {}\n", n, s.clusters,
                        s.noise ? fmt::format(" + {} noise", s.noise) : "", o.method, s.threshold, o.out);
  if (!videos.empty())
    s.table += fmt::format("detector {}: {} faces in {} photos and {} frames of {} videos, {} without a face\n",
                           to_string(plan.detect.detector), n, paths.size(), s.video_frames, videos.size(),
                           s.without_face);
  else if (plan.active())
    s.table += fmt::format("detector {}: {} faces in {} photos, {} without a face\n", to_string(plan.detect.detector), n,
                           paths.size(), s.without_face);
  if (!o.labels.empty()) {
    // Known identities: labels/<identity>/<file>. A photo is <identity> when labels/<its folder's
    // name>/<its file name> exists, else when its file name occurs under exactly one identity.
    std::map<std::string, std::string> by_name;  // file name -> identity ("" when ambiguous)
    for (auto& [path, name] : list_images(o.labels)) {
      const fs::path rel(name);
      if (!rel.has_parent_path()) continue;
      const auto file = rel.filename().string();
      const auto id = rel.begin()->string();
      const auto it = by_name.find(file);
      if (it == by_name.end()) by_name[file] = id;
      else if (it->second != id) it->second.clear();
    }
    std::map<std::string, int64_t> ids;
    std::vector<int64_t> predicted, truth;
    for (size_t i = 0; i < item_path.size(); ++i) {
      if (!item_video[i].video.empty()) continue;  // a video's faces carry no label
      const fs::path photo(item_path[i]);
      const auto parent = photo.parent_path().filename().string();
      std::string id;
      if (!parent.empty() && fs::is_regular_file(fs::path(o.labels) / parent / photo.filename())) id = parent;
      else if (const auto it = by_name.find(photo.filename().string()); it != by_name.end()) id = it->second;
      if (id.empty()) continue;
      predicted.push_back(labels[i]);
      truth.push_back(ids.emplace(id, static_cast<int64_t>(ids.size())).first->second);
    }
    const auto sc = eval::score_clustering(predicted, truth);
    s.table += fmt::format(
        "against {}: {} of {} faces labelled, {} people, {} clusters\n"
        "pairwise precision {:.4f} recall {:.4f} F1 {:.4f}\nBCubed precision {:.4f} recall {:.4f} F1 {:.4f}\n",
        o.labels, sc.items, n, sc.people, sc.clusters, sc.pairwise_precision, sc.pairwise_recall, sc.pairwise_f1,
        sc.bcubed_precision, sc.bcubed_recall, sc.bcubed_f1);
    nlohmann::json j{{"faces", n},
                     {"labelled", sc.items},
                     {"people", sc.people},
                     {"clusters", sc.clusters},
                     {"pairwise_precision", sc.pairwise_precision},
                     {"pairwise_recall", sc.pairwise_recall},
                     {"pairwise_f1", sc.pairwise_f1},
                     {"bcubed_precision", sc.bcubed_precision},
                     {"bcubed_recall", sc.bcubed_recall},
                     {"bcubed_f1", sc.bcubed_f1},
                     {"method", o.method},
                     {"threshold", s.threshold}};
    write_file_atomic((out / "scores.json").string(), j.dump(2) + "\n");
  }
  return s;
}

}  // namespace facenet::tasks
