#include "facenet/core/progress.h"

#include <algorithm>
#include <iomanip>
#include <sstream>

namespace facenet {

std::string format_duration(double seconds) {
  const auto s = static_cast<int64_t>(std::max(0.0, seconds));
  std::ostringstream os;
  if (s >= 3600) os << s / 3600 << "h";
  os << std::setw(s >= 3600 ? 2 : 1) << std::setfill('0') << (s % 3600) / 60 << "m" << std::setw(2) << s % 60 << "s";
  return os.str();
}

bool Progress::due() {
  if (finished_) return false;
  if (done() >= total_) {
    finished_ = true;
    return true;
  }
  const double now = meter_.elapsed_s();
  if (now - last_log_s_ < log_every_s_) return false;
  last_log_s_ = now;
  return true;
}

}  // namespace facenet
