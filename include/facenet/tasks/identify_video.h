#pragma once
// Torch-free entry point for `facenet identify --video`: name every face of a video against a
// gallery, join them into tracks, and optionally vote along each track and draw the result.
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "facenet/core/config.h"
#include "facenet/tasks/detect_args.h"
#include "facenet/tasks/model_args.h"

namespace facenet::tasks {

struct IdentifyVideoOptions {
  std::string model;    ///< may be empty with a gallery file (its recorded model)
  std::string gallery;  ///< gallery file (facenet enroll) or folder <identity>/<images>
  std::string video;
  std::string csv;      ///< one row per face ("" = beside `out` with extension .csv, or none without `out`)
  std::string out;      ///< the video with boxes and names drawn (.mp4, .m4v, .mov, .avi, .mkv, .webm; "" = none)
  bool vote = false;    ///< add track_identity (the track's majority) to the CSV and draw it instead of the frame's
  VideoArgs video_args;
  int64_t batch_size = 64;
  int threads = 0;
  DetectArgs detect;    ///< a model trained on crops needs one (--detect none: the whole frame is the face)
  InferenceDtype dtype = InferenceDtype::FP32;
  PreprocessArgs preprocess;  ///< a foreign ONNX model\'s input (tasks/model_args.h)
  double threshold = 0; ///< L2 distance below which a face is known; 0 = the model's calibrated one
};

/// One face of one processed frame and its nearest gallery identity.
struct VideoFaceMatch {
  int64_t frame = 0;
  double seconds = 0;
  int64_t face = 0;               ///< index within the frame, largest first
  std::array<float, 4> box{};     ///< x, y, width, height
  float score = 1;
  int64_t track = 0;
  std::string identity;           ///< the nearest identity (even when unknown)
  double distance = 0;            ///< L2 to its nearest gallery embedding
  bool unknown = false;           ///< a threshold is set and distance is not below it
  /// What the face says: `identity`, or "unknown" when unknown. The track's vote counts these.
  std::string label() const { return unknown ? "unknown" : identity; }
};

struct VideoTrackSummary {
  int64_t id = 0;
  int64_t faces = 0;
  int64_t first_frame = 0, last_frame = 0;
  double first_seconds = 0, last_seconds = 0;
  std::string identity;  ///< the majority of its faces' labels (ties: the smallest mean distance)
  int64_t votes = 0;     ///< faces with that label
  double distance = 0;   ///< their mean distance
};

struct IdentifyVideoResult {
  std::vector<VideoFaceMatch> faces;     ///< frame order
  std::vector<VideoTrackSummary> tracks; ///< by id
  int64_t frames = 0;                    ///< processed
  int64_t decoded = 0;                   ///< read from the file
  int64_t without_face = 0;              ///< processed frames without a face
  bool truncated = false;                ///< the file ended at a frame that did not decode (logged)
  double threshold = 0;
  int64_t identities = 0, gallery_images = 0;
  std::string detector;
  std::string csv;                       ///< written ("" = none)
  int64_t annotated_frames = 0;          ///< frames written to options.out
};

/// Embeds every face of every Nth frame (infer::embed_video_faces), ranks the gallery's
/// identities for each (as run_identify, nearest only), votes along each track and writes:
/// - the CSV (header line): video,frame,seconds,x,y,width,height,score,track,identity,distance,unknown
///   and, with `vote`, track_identity; identity is the nearest one, unknown 0/1;
/// - the annotated video: every frame of the file (same size and rate), each processed frame's
///   boxes drawn on it and the frames after it up to the next processed one, named with the
///   face's label (with `vote`: its track's), coloured by track.
/// Throws ConfigError for --every < 1 or an output video of an unknown extension, Error for an
/// unreadable video or gallery.
IdentifyVideoResult run_identify_video(const IdentifyVideoOptions& options);

}  // namespace facenet::tasks
