#pragma once
// `facenet check FILE`: what a file is and whether it is intact. Torch-free header.
#include <string>
#include <utility>
#include <vector>

#include "facenet/tasks/model_args.h"

namespace facenet::tasks {

struct CheckResult {
  std::string kind;  ///< a network format's kind (infer/network_format.h: "checkpoint", "onnx export", ...), "pack", "verification set"
  bool intact = false;
  std::string problem;  ///< one line when not intact
  std::vector<std::pair<std::string, std::string>> facts;  ///< backbone, size, step, preprocessing, digest...
};

/// Identifies `path` by content and verifies it: digests of checkpoints and exports, every
/// record of a pack against its index, a .bin's pickle structure and pair count. Never throws
/// for a damaged file (intact = false, problem says what); throws facenet::Error only when
/// the file does not exist or is of no kind facenet writes or reads.
/// `preprocess`: how to feed a foreign ONNX model (else its sidecar is read, when there is one).
CheckResult check_file(const std::string& path, const PreprocessArgs& preprocess = {});

/// "kind: …" then "key: value" lines, then "intact: yes|no (problem)".
std::string format_check(const std::string& path, const CheckResult& result);

}  // namespace facenet::tasks
