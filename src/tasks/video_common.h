#pragma once
// What embed, identify and cluster share for videos (private to src/tasks): which inputs are
// videos, the detector a video needs, and the leading CSV columns of a video's face.
#include <string>
#include <vector>

#include "facenet/infer/video_faces.h"
#include "facenet/tasks/detect_args.h"

namespace facenet::tasks {

/// The leading columns of a video face's row (embed writes no header line; identify and cluster do).
inline constexpr const char* kVideoColumns = "video,frame,seconds,x,y,width,height,score,track";

/// Throws ConfigError for --every < 1 and bad tracker options, before any model is loaded.
void check_video_args(const VideoArgs& args);

/// Moves the video files among `inputs` (files with a video extension, detect::is_video_path)
/// into the result; folders and images stay in `inputs`.
std::vector<std::string> take_videos(std::vector<std::string>& inputs);

/// A model trained on crops reads a frame as one face only when --detect none asks for it:
/// throws ConfigError naming `video` and `command` when the plan has no detector because the
/// model's metadata has none.
void require_video_detector(const infer::FacePlan& plan, const DetectArgs& request, const std::string& video,
                            const std::string& command);

/// Every face of `video` embedded (infer::embed_video_faces with the task's options).
infer::VideoFaces embed_video(const infer::LoadedNetwork& net, const std::string& video, const infer::FacePlan& plan,
                              const VideoArgs& args, int64_t batch_size, const std::string& tag);

/// Face i's leading columns (kVideoColumns): video, frame, seconds (3 decimals), box, score, track.
std::string video_lead(const std::string& video, const infer::VideoFaces& faces, size_t i);

}  // namespace facenet::tasks
