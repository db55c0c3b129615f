#pragma once
// Dynamic loss scaling for fp16 training, as PyTorch's torch.cuda.amp.GradScaler: the loss is
// multiplied by a scale before backward so small fp16 gradients do not flush to zero; the
// gradients are divided by it before the update; a step whose gradients hold inf/NaN is
// skipped and the scale halves; after growth_interval clean steps the scale doubles.
// bf16 has fp32's exponent range and needs none of this (the scaler is then disabled).
#include <torch/types.h>

#include <cstdint>
#include <vector>

namespace facenet::train {

/// The scaler's state, stored in checkpoints so a resumed fp16 run continues exactly.
struct LossScaleState {
  double scale = 65536.0;      ///< PyTorch's init_scale, 2^16
  int64_t growth_tracker = 0;  ///< clean steps since the scale last changed
};

struct GradScalerOptions {
  double growth_factor = 2.0;
  double backoff_factor = 0.5;
  int64_t growth_interval = 2000;
};

class GradScaler {
 public:
  explicit GradScaler(bool enabled, LossScaleState state = {}, GradScalerOptions options = {});

  /// loss x scale (the loss itself when disabled).
  torch::Tensor scale(const torch::Tensor& loss) const;
  /// Divides every defined gradient of `params` by the scale, in place; true when any of them
  /// holds an inf or NaN (the step must then be skipped). False and nothing done when disabled.
  bool unscale(const std::vector<torch::Tensor>& params) const;
  /// After each step: backs the scale off on overflow, grows it after growth_interval clean steps.
  void update(bool found_inf);

  bool enabled() const { return enabled_; }
  const LossScaleState& state() const { return state_; }

 private:
  bool enabled_;
  LossScaleState state_;
  GradScalerOptions options_;
};

}  // namespace facenet::train
