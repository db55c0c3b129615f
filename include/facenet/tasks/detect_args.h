#pragma once
// How the face tasks (embed, verify, identify, enroll, cluster, eval) find faces in photos:
// --detect, --detect-model, --min-face, --thresholds, --largest; and how embed, identify and
// cluster read videos: --every, --track-iou, --track-gap.
#include <cstdint>

#include "facenet/detect/detector.h"
#include "facenet/detect/tracker.h"

namespace facenet::tasks {

using DetectArgs = detect::DetectRequest;

struct VideoArgs {
  int64_t every = 1;                 ///< every Nth frame (>= 1)
  detect::TrackerOptions tracking;   ///< joining a face across frames
};

}  // namespace facenet::tasks
