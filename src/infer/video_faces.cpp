#include "facenet/infer/video_faces.h"

#include <spdlog/spdlog.h>
#include <torch/torch.h>

#include <limits>

#include "facenet/core/progress.h"
#include "facenet/data/preprocess.h"
#include "facenet/detect/crop.h"
#include "facenet/detect/video.h"
#include "facenet/infer/network_loader.h"
#include "face_batches.h"

namespace facenet::infer {

namespace {

// Frames handed to the detector at once: MTCNN runs frames of one size as one batch.
constexpr size_t kDetectFrames = 8;

}  // namespace

VideoFaces embed_video_faces(const LoadedNetwork& net, const std::string& path, const FacePlan& plan, int64_t every,
                             const detect::TrackerOptions& tracking, int64_t batch_size, const std::string& tag) {
  detect::IouTracker tracker(tracking);
  detect::VideoReader reader(path, every);
  detect::FaceFinder finder(plan.detect);
  VideoFaces out;
  out.fps = reader.fps();
  out.frame_count = reader.frame_count();
  out.width = reader.size().width;
  out.height = reader.size().height;
  FaceBatches batches(net, plan, batch_size);
  // An unknown frame count: lines with the rate only, every few seconds.
  const bool counted = reader.expected() > 0;
  Progress progress(counted ? reader.expected() : std::numeric_limits<int64_t>::max());
  std::vector<detect::VideoFrame> frames;
  auto process = [&] {
    std::vector<cv::Mat> images;
    for (const auto& f : frames) images.push_back(f.bgr);
    const auto found = finder.detect(images);
    for (size_t k = 0; k < frames.size(); ++k) {
      const auto& faces = found[k];
      std::vector<cv::Rect2f> boxes;
      for (const auto& face : faces) boxes.push_back(face.box);
      const auto ids = tracker.update(boxes);
      if (faces.empty()) ++out.without_face;
      for (size_t i = 0; i < faces.size(); ++i) {
        batches.add(frames[k].bgr, faces[i]);
        out.frame.push_back(frames[k].index);
        out.seconds.push_back(frames[k].seconds);
        out.index.push_back(static_cast<int64_t>(i));
        out.track.push_back(ids[i]);
        out.faces.push_back(faces[i]);
      }
    }
    out.frames += static_cast<int64_t>(frames.size());
    progress.add(static_cast<int64_t>(frames.size()));
    frames.clear();
    if (progress.due()) {
      if (counted)
        spdlog::info("[{}] video '{}': {}/{} frames, {} faces, {:.1f} frames/s, ETA {}", tag, path, progress.done(),
                     progress.total(), out.faces.size(), progress.rate(), format_duration(progress.eta_s()));
      else
        spdlog::info("[{}] video '{}': {} frames, {} faces, {:.1f} frames/s", tag, path, progress.done(),
                     out.faces.size(), progress.rate());
    }
  };
  detect::VideoFrame frame;
  while (reader.next(frame)) {
    frames.push_back(std::move(frame));
    if (frames.size() >= kDetectFrames) process();
  }
  if (!frames.empty()) process();
  out.embeddings = batches.finish();
  out.decoded = reader.decoded();
  out.truncated = reader.truncated();
  out.tracks = tracker.tracks();
  spdlog::info("[{}] video '{}': {} frames read, {} processed (every {}), {} faces in {} tracks, {} frames without a face",
               tag, path, out.decoded, out.frames, every, out.faces.size(), out.tracks, out.without_face);
  return out;
}

}  // namespace facenet::infer
