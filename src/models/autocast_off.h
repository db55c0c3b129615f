#pragma once
// Leaves LibTorch's autocast (CPU and CUDA) for a scope, as `with autocast(enabled=False)`: the
// parts of insightface's networks that arcface_torch runs in fp32 under mixed precision.
#include <ATen/autocast_mode.h>

namespace facenet::models {

class AutocastOff {
 public:
  AutocastOff() : cpu_(at::autocast::is_cpu_enabled()), cuda_(at::autocast::is_enabled()) {
    at::autocast::set_cpu_enabled(false);
    at::autocast::set_enabled(false);
  }
  ~AutocastOff() {
    at::autocast::set_cpu_enabled(cpu_);
    at::autocast::set_enabled(cuda_);
  }
  AutocastOff(const AutocastOff&) = delete;
  AutocastOff& operator=(const AutocastOff&) = delete;

 private:
  bool cpu_, cuda_;
};

}  // namespace facenet::models
