#pragma once
// Runs a function in a forked child and returns what it reported plus the child's peak RSS.
#include <functional>
#include <string>

namespace facenet::bench {

struct IsolatedResult {
  std::string output;  ///< what the child's function returned
  std::string error;   ///< the child's exception message, or how it died
  double peak_rss_mb = 0;
};

/// The parent must not have started OpenMP or OpenCV thread pools (they do not survive fork).
IsolatedResult run_isolated(const std::function<std::string()>& fn);

}  // namespace facenet::bench
