#include "facenet/detect/tracker.h"

#include <algorithm>
#include <map>
#include <tuple>

#include "facenet/core/error.h"
#include "facenet/detect/face.h"

namespace facenet::detect {

IouTracker::IouTracker(const TrackerOptions& options) : options_(options) {
  if (!(options.min_iou > 0 && options.min_iou <= 1))
    throw ConfigError("--track-iou: must lie in (0, 1] (got " + std::to_string(options.min_iou) + ")");
  if (options.max_missed < 0)
    throw ConfigError("--track-gap: must be >= 0 (got " + std::to_string(options.max_missed) + ")");
}

std::vector<int64_t> IouTracker::update(const std::vector<cv::Rect2f>& boxes) {
  struct Pair {
    float iou;
    size_t track, face;
  };
  std::vector<Pair> pairs;
  for (size_t t = 0; t < live_.size(); ++t)
    for (size_t f = 0; f < boxes.size(); ++f) {
      const float v = iou(live_[t].box, boxes[f]);
      if (v >= options_.min_iou) pairs.push_back({v, t, f});
    }
  // live_ is oldest first, so a lower index is the older track.
  std::sort(pairs.begin(), pairs.end(), [](const Pair& a, const Pair& b) {
    return std::make_tuple(-a.iou, a.track, a.face) < std::make_tuple(-b.iou, b.track, b.face);
  });
  std::vector<int64_t> ids(boxes.size(), -1);
  std::vector<bool> matched(live_.size(), false);
  for (const auto& p : pairs) {
    if (matched[p.track] || ids[p.face] >= 0) continue;
    matched[p.track] = true;
    ids[p.face] = live_[p.track].id;
    live_[p.track].box = boxes[p.face];
    live_[p.track].missed = 0;
  }
  std::vector<Track> kept;
  for (size_t t = 0; t < live_.size(); ++t)
    if (matched[t] || ++live_[t].missed <= options_.max_missed) kept.push_back(live_[t]);
  for (size_t f = 0; f < boxes.size(); ++f)
    if (ids[f] < 0) {
      ids[f] = next_id_++;
      kept.push_back({ids[f], boxes[f], 0});
    }
  live_ = std::move(kept);
  return ids;
}

std::vector<TrackVote> vote_tracks(const std::vector<int64_t>& track, const std::vector<std::string>& label,
                                   const std::vector<double>& distance) {
  if (label.size() != track.size() || distance.size() != track.size())
    throw Error("vote_tracks: " + std::to_string(track.size()) + " tracks, " + std::to_string(label.size()) +
                " labels and " + std::to_string(distance.size()) + " distances");
  int64_t tracks = 0;
  for (auto t : track) tracks = std::max(tracks, t + 1);
  // Per track: label -> (votes, summed distance).
  std::vector<std::map<std::string, std::pair<int64_t, double>>> tally(static_cast<size_t>(tracks));
  std::vector<TrackVote> out(static_cast<size_t>(tracks));
  for (size_t i = 0; i < track.size(); ++i) {
    if (track[i] < 0) continue;
    auto& entry = tally[static_cast<size_t>(track[i])][label[i]];
    ++entry.first;
    entry.second += distance[i];
    ++out[static_cast<size_t>(track[i])].faces;
  }
  for (size_t t = 0; t < tally.size(); ++t)
    for (const auto& [name, count] : tally[t]) {  // labels in order: the smaller label wins a full tie
      const double mean = count.second / static_cast<double>(count.first);
      auto& best = out[t];
      if (count.first > best.votes || (count.first == best.votes && mean < best.distance)) {
        best.label = name;
        best.votes = count.first;
        best.distance = mean;
      }
    }
  return out;
}

}  // namespace facenet::detect
