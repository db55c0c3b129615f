#pragma once
// How the face tasks (embed, verify, identify, enroll, cluster, eval) find faces in photos:
// --detect, --detect-model, --min-face, --thresholds, --largest.
#include "facenet/detect/detector.h"

namespace facenet::tasks {

using DetectArgs = detect::DetectRequest;

}  // namespace facenet::tasks
