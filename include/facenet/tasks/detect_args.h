#pragma once
// How the face tasks (embed, verify, identify, enroll, cluster) find faces in photos:
// --detect, --detect-model and --largest.
#include <string>

namespace facenet::tasks {

struct DetectArgs {
  std::string detect;        ///< "" = the model's crop.detector (none for pre-cropped models); none | haar | yunet
  std::string detect_model;  ///< YuNet ONNX (never downloaded) or another Haar cascade
  bool largest = false;      ///< one face (the largest) per photo
};

}  // namespace facenet::tasks
