#pragma once
// A sink attached to spdlog's default logger for one scope: what a program does with
// facenet::log_file_sink (the library attaches none itself). Flushed and detached on exit.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <memory>

namespace facenet::test {

class ScopedSink {
 public:
  ScopedSink() = default;
  ScopedSink(const ScopedSink&) = delete;
  ScopedSink& operator=(const ScopedSink&) = delete;
  ~ScopedSink() {
    if (!sink_) return;
    sink_->flush();
    auto& sinks = spdlog::default_logger()->sinks();
    sinks.erase(std::remove(sinks.begin(), sinks.end(), sink_), sinks.end());
  }

  void attach(std::shared_ptr<spdlog::sinks::sink> sink) {
    sink_ = std::move(sink);
    spdlog::default_logger()->sinks().push_back(sink_);
  }

 private:
  std::shared_ptr<spdlog::sinks::sink> sink_;
};

}  // namespace facenet::test
