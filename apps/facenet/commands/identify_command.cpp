#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <iostream>

#include "commands/common.h"
#include "facenet/core/error.h"
#include "facenet/tasks/identify.h"
#include "facenet/tasks/identify_video.h"

namespace facenet::cli {

namespace {

void print_photo(const tasks::IdentifyOptions& o, bool json) {
  const auto r = tasks::run_identify(o);
  if (json) {
    for (const auto& f : r.faces) {
      auto ranking = nlohmann::json::array();
      for (const auto& m : f.ranking)
        ranking.push_back({{"identity", m.identity}, {"distance", m.distance}, {"images", m.images}});
      const nlohmann::json line{{"probe", o.probe},     {"face", f.face},   {"detector", r.detector},
                                {"box", f.box},         {"score", f.score}, {"threshold", r.threshold},
                                {"unknown", f.unknown}, {"ranking", ranking}};
      std::cout << line.dump() << "\n";
    }
    return;
  }
  std::cout << fmt::format("gallery: {} identities, {} images; threshold {:.4f}\n", r.identities, r.gallery_images,
                           r.threshold);
  if (r.threshold <= 0) std::cout << "note: the model has no calibrated threshold: known/unknown is not decided\n";
  for (const auto& f : r.faces) {
    if (r.detector != "none")
      std::cout << fmt::format("face {} ({}): [{},{} {}x{}] score {:.4g}\n", f.face, r.detector, f.box[0], f.box[1],
                               f.box[2], f.box[3], f.score);
    if (r.threshold > 0)
      std::cout << "result: " << (f.unknown ? "unknown (no identity below the threshold)" : f.ranking[0].identity) << "\n";
    for (size_t i = 0; i < f.ranking.size(); ++i) {
      const auto& m = f.ranking[i];
      std::cout << fmt::format("{:>3}  {:<32} {:.4f}  ({} images){}\n", i + 1, m.identity, m.distance, m.images,
                               r.threshold > 0 && m.distance < r.threshold ? "  match" : "");
    }
  }
}

void print_video(const tasks::IdentifyVideoOptions& o, bool json) {
  const auto r = tasks::run_identify_video(o);
  if (json) {
    for (const auto& f : r.faces) {
      nlohmann::json line{{"video", o.video},       {"frame", f.frame},       {"seconds", f.seconds},
                          {"face", f.face},         {"box", f.box},           {"score", f.score},
                          {"track", f.track},       {"identity", f.identity}, {"distance", f.distance},
                          {"unknown", f.unknown}};
      if (o.vote) line["track_identity"] = r.tracks[static_cast<size_t>(f.track)].identity;
      std::cout << line.dump() << "\n";
    }
    return;
  }
  std::cout << fmt::format("gallery: {} identities, {} images; threshold {:.4f}\n", r.identities, r.gallery_images,
                           r.threshold);
  if (r.threshold <= 0) std::cout << "note: the model has no calibrated threshold: known/unknown is not decided\n";
  std::cout << fmt::format("video {}: {} frames read{}, {} processed (every {}), {} faces in {} tracks (detector {}), "
                           "{} frames without a face\n",
                           o.video, r.decoded, r.truncated ? " (the file ends early)" : "", r.frames,
                           o.video_args.every, r.faces.size(), r.tracks.size(), r.detector, r.without_face);
  for (const auto& t : r.tracks)
    std::cout << fmt::format("track {}: frames {}-{} ({:.2f}-{:.2f} s), {} faces: {} ({} votes, mean distance {:.4f})\n",
                             t.id, t.first_frame, t.last_frame, t.first_seconds, t.last_seconds, t.faces, t.identity,
                             t.votes, t.distance);
  if (!r.csv.empty()) std::cout << "wrote " << r.csv << " (one row per face)\n";
  if (!o.out.empty()) std::cout << fmt::format("wrote {} ({} frames)\n", o.out, r.annotated_frames);
}

}  // namespace

void register_identify(CLI::App& app) {
  auto* cmd = app.add_subcommand("identify", "Name the faces of a photo (--probe) or a video (--video) against a gallery: "
                                             "a gallery file from `facenet enroll`, or a folder <identity>/<images>");
  auto o = std::make_shared<tasks::IdentifyOptions>();
  auto v = std::make_shared<tasks::IdentifyVideoOptions>();
  auto json = std::make_shared<bool>(false);
  add_model_option(cmd, o->model,
                   " (default with a gallery file: the one it was enrolled with; another model is refused)");
  cmd->add_option("--gallery", o->gallery, "Gallery file (facenet enroll) or folder of <identity>/<image> files")
      ->required();
  auto* probe = cmd->add_option("--probe", o->probe, "Photo to identify (with a detector: every face in it)");
  auto* video = cmd->add_option("--video", v->video,
                                "Video to identify (.mp4 .avi .mkv .mov .webm .m4v): every face of every Nth frame, "
                                "joined into tracks")
                    ->excludes(probe);
  cmd->add_option("-k", o->k, "Identities to list per face (--probe)")->capture_default_str()->excludes(video);
  add_network_options(cmd, *o);
  add_detect_options(cmd, o->detect);
  add_video_options(cmd, v->video_args);
  cmd->add_flag("--vote", v->vote,
                "--video: each track's identity is the majority of its faces' (ties: the smallest mean distance): "
                "CSV column track_identity, and the name drawn")
      ->needs(video);
  cmd->add_option("--csv", v->csv, "--video: one row per face (default with --out: beside it, as .csv)")->needs(video);
  cmd->add_option("--out", v->out,
                  "--video: write the video with boxes and names drawn (.mp4/.m4v/.mov: mp4v, .avi/.mkv: MJPG, .webm)")
      ->needs(video);
  for (const char* name : {"--every", "--track-iou", "--track-gap"}) cmd->get_option(name)->needs(video);
  cmd->add_flag("--json", *json, "Print one JSON line per face instead of text");
  cmd->add_option("--threshold", o->threshold,
                  "L2 distance below which a face is known (default: the model's calibrated threshold)")
      ->check(CLI::PositiveNumber);
  cmd->callback([o, v, json, probe, video] {
    if (probe->count() + video->count() != 1) throw ConfigError("identify: give --probe PHOTO or --video VIDEO");
    use_threads(o->threads);
    if (probe->count()) return print_photo(*o, *json);
    v->model = o->model;
    v->gallery = o->gallery;
    v->batch_size = o->batch_size;
    v->threads = o->threads;
    v->detect = o->detect;
    v->dtype = o->dtype;
    v->preprocess = o->preprocess;
    v->threshold = o->threshold;
    print_video(*v, *json);
  });
}

}  // namespace facenet::cli
