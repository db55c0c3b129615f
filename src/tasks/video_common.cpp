#include "video_common.h"

#include <fmt/format.h>

#include <filesystem>

#include "facenet/core/error.h"
#include "facenet/detect/video.h"

namespace facenet::tasks {

void check_video_args(const VideoArgs& args) {
  if (args.every < 1) throw ConfigError("--every: must be >= 1 (got " + std::to_string(args.every) + ")");
  detect::IouTracker check(args.tracking);  // throws for bad options
}

std::vector<std::string> take_videos(std::vector<std::string>& inputs) {
  std::vector<std::string> videos, rest;
  for (auto& input : inputs)
    (detect::is_video_path(input) && !std::filesystem::is_directory(input) ? videos : rest).push_back(std::move(input));
  inputs = std::move(rest);
  return videos;
}

void require_video_detector(const infer::FacePlan& plan, const DetectArgs& request, const std::string& video,
                            const std::string& command) {
  if (plan.active() || !request.detector.empty()) return;
  throw ConfigError(command + ": video '" + video +
                    "': the model was trained on face crops and finds no faces itself; pass --detect (mtcnn), "
                    "--detect haar|yunet, or --detect none to embed each whole frame");
}

infer::VideoFaces embed_video(const infer::LoadedNetwork& net, const std::string& video, const infer::FacePlan& plan,
                              const VideoArgs& args, int64_t batch_size, const std::string& tag) {
  return infer::embed_video_faces(net, video, plan, args.every, args.tracking, batch_size, tag);
}

std::string video_lead(const std::string& video, const infer::VideoFaces& f, size_t i) {
  const auto& b = f.faces[i].box;
  return fmt::format("{},{},{:.3f},{},{},{},{},{:.4g},{}", video, f.frame[i], f.seconds[i], b.x, b.y, b.width,
                     b.height, f.faces[i].score, f.track[i]);
}

}  // namespace facenet::tasks
