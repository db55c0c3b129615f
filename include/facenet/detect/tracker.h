#pragma once
// Joining the faces of consecutive video frames into tracks by box overlap (an IoU tracker, no
// appearance and no motion model), and the majority vote of per-frame labels along a track.
#include <cstdint>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

namespace facenet::detect {

struct TrackerOptions {
  /// A face continues a track when the IoU of its box with the track's last box is at least this.
  float min_iou = 0.3f;
  /// Processed frames a track may go without a face and still be continued; it ends when it
  /// misses one more (0 = a track ends at the first frame without its face).
  int max_missed = 5;
};

/// Feed the faces of each processed frame in order; each face gets a track id.
/// Matching is greedy: every (live track, face) pair with IoU >= min_iou, highest IoU first (ties:
/// the older track, then the earlier face), each track and face used once. A face left unmatched
/// starts a new track; ids are 0, 1, 2, ... in order of creation and never reused.
class IouTracker {
 public:
  /// Throws ConfigError for min_iou outside (0, 1] or max_missed < 0.
  explicit IouTracker(const TrackerOptions& options = {});
  /// The track id of each box of the next frame, in the order given.
  std::vector<int64_t> update(const std::vector<cv::Rect2f>& boxes);
  /// Tracks started so far (= the next id).
  int64_t tracks() const { return next_id_; }
  /// Tracks that a face of the next frame may still continue.
  size_t live() const { return live_.size(); }

 private:
  struct Track {
    int64_t id;
    cv::Rect2f box;  ///< where its face was last seen
    int missed;      ///< processed frames since then
  };
  TrackerOptions options_;
  std::vector<Track> live_;  ///< oldest first
  int64_t next_id_ = 0;
};

/// The winner of a track's vote: the label most of its faces carry.
struct TrackVote {
  std::string label;
  int64_t votes = 0;     ///< faces with that label
  int64_t faces = 0;     ///< faces of the track
  double distance = 0;   ///< the mean distance of the faces with that label
};

/// Per track id (0 .. max id), the majority of the labels of its faces; a tie goes to the label
/// with the smallest mean distance (then the smaller label). `track`, `label` and `distance` are
/// per face, of equal length; ids without faces get an empty vote.
std::vector<TrackVote> vote_tracks(const std::vector<int64_t>& track, const std::vector<std::string>& label,
                                   const std::vector<double>& distance);

}  // namespace facenet::detect
