#include "facenet/core/error.h"

#include <c10/util/Exception.h>
#include <spdlog/spdlog.h>

namespace facenet {

std::string error_message(const std::exception& e) {
  if (const auto* c10 = dynamic_cast<const c10::Error*>(&e)) {
    spdlog::debug("LibTorch error with backtrace: {}", c10->what());
    std::string msg = c10->what_without_backtrace();
    // Some messages still end in "Exception raised from <function> at <file>:<line> ...".
    if (const auto at = msg.find("\nException raised from "); at != std::string::npos) msg.resize(at);
    return msg;
  }
  return e.what();
}

}  // namespace facenet
