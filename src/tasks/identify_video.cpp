#include "facenet/tasks/identify_video.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include <filesystem>

#include "annotated_video.h"
#include "embed_common.h"
#include "facenet/core/error.h"
#include "facenet/core/fs.h"
#include "facenet/detect/tracker.h"
#include "facenet/detect/video.h"
#include "gallery_common.h"
#include "video_common.h"

namespace facenet::tasks {

namespace fs = std::filesystem;

namespace {

std::string csv_text(const IdentifyVideoOptions& o, const IdentifyVideoResult& r) {
  std::string text = std::string(kVideoColumns) + ",identity,distance,unknown" + (o.vote ? ",track_identity" : "") + "\n";
  for (const auto& f : r.faces) {
    text += fmt::format("{},{},{:.3f},{},{},{},{},{:.4g},{},{},{:.4f},{}", o.video, f.frame, f.seconds, f.box[0],
                        f.box[1], f.box[2], f.box[3], f.score, f.track, f.identity, f.distance, f.unknown ? 1 : 0);
    if (o.vote) text += "," + r.tracks[static_cast<size_t>(f.track)].identity;
    text += "\n";
  }
  return text;
}

std::vector<VideoTrackSummary> summarise_tracks(const std::vector<VideoFaceMatch>& faces, int64_t tracks) {
  std::vector<int64_t> track;
  std::vector<std::string> label;
  std::vector<double> distance;
  for (const auto& f : faces) {
    track.push_back(f.track);
    label.push_back(f.label());
    distance.push_back(f.distance);
  }
  auto votes = detect::vote_tracks(track, label, distance);
  std::vector<VideoTrackSummary> out(static_cast<size_t>(tracks));
  for (size_t t = 0; t < out.size(); ++t) out[t].id = static_cast<int64_t>(t);
  for (const auto& f : faces) {  // frame order: the first face sets the start
    auto& s = out[static_cast<size_t>(f.track)];
    if (s.faces++ == 0) {
      s.first_frame = f.frame;
      s.first_seconds = f.seconds;
    }
    s.last_frame = f.frame;
    s.last_seconds = f.seconds;
  }
  for (size_t t = 0; t < votes.size() && t < out.size(); ++t) {
    out[t].identity = votes[t].label;
    out[t].votes = votes[t].votes;
    out[t].distance = votes[t].distance;
  }
  return out;
}

}  // namespace

IdentifyVideoResult run_identify_video(const IdentifyVideoOptions& o) {
  check_video_args(o.video_args);
  if (o.threshold < 0) throw ConfigError("identify --threshold: must be > 0");
  if (!o.out.empty()) {
    detect::video_fourcc(o.out);  // an unknown extension fails before any work
    std::error_code ec;
    if (fs::equivalent(o.out, o.video, ec))
      throw ConfigError("identify --out: '" + o.out + "' is the input video; name another file");
  }
  if (!fs::exists(o.gallery)) throw Error("gallery '" + o.gallery + "' does not exist");
  IdentifyVideoResult r;
  r.csv = !o.csv.empty() ? o.csv : o.out.empty() ? "" : fs::path(o.out).replace_extension(".csv").string();
  const auto gallery = open_gallery(o.model, o.gallery, /*folder_means=*/true, o.batch_size, o.threads, o.detect, o.dtype,
                                    o.preprocess);
  const auto& g = gallery.gallery;
  const auto plan = infer::face_plan(gallery.net.meta, o.detect);
  require_video_detector(plan, o.detect, o.video, "identify");
  r.detector = to_string(plan.detect.detector);
  r.threshold = o.threshold > 0 ? o.threshold : l2_threshold(gallery.net.meta);
  r.identities = static_cast<int64_t>(g.identities.size());
  for (auto c : g.counts) r.gallery_images += c;

  const auto v = embed_video(gallery.net, o.video, plan, o.video_args, o.batch_size, "identify");
  r.frames = v.frames;
  r.decoded = v.decoded;
  r.without_face = v.without_face;
  r.truncated = v.truncated;
  const auto rankings = rank_identities(g, v.embeddings.data_ptr<float>(), v.embeddings.size(0), 1);
  for (size_t i = 0; i < v.faces.size(); ++i) {
    VideoFaceMatch m;
    m.frame = v.frame[i];
    m.seconds = v.seconds[i];
    m.face = v.index[i];
    const auto& b = v.faces[i].box;
    m.box = {b.x, b.y, b.width, b.height};
    m.score = v.faces[i].score;
    m.track = v.track[i];
    if (!rankings[i].empty()) {
      m.identity = rankings[i][0].identity;
      m.distance = rankings[i][0].distance;
    }
    m.unknown = r.threshold > 0 && (rankings[i].empty() || m.distance >= r.threshold);
    r.faces.push_back(std::move(m));
  }
  r.tracks = summarise_tracks(r.faces, v.tracks);
  if (!r.csv.empty()) write_file_atomic(r.csv, csv_text(o, r));
  if (!o.out.empty()) {
    std::vector<DrawnFace> drawn;
    for (const auto& f : r.faces) {
      const auto& name = o.vote ? r.tracks[static_cast<size_t>(f.track)].identity : f.label();
      drawn.push_back({f.frame, cv::Rect2f(f.box[0], f.box[1], f.box[2], f.box[3]), fmt::format("{} #{}", name, f.track),
                       f.track});
    }
    r.annotated_frames = write_annotated_video(o.video, o.out, drawn, o.video_args.every, v.decoded);
  }
  return r;
}

}  // namespace facenet::tasks
