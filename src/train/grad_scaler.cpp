#include "facenet/train/grad_scaler.h"

#include <ATen/ops/_amp_foreach_non_finite_check_and_unscale.h>
#include <torch/torch.h>

namespace facenet::train {

GradScaler::GradScaler(bool enabled, LossScaleState state, GradScalerOptions options)
    : enabled_(enabled), state_(state), options_(options) {}

torch::Tensor GradScaler::scale(const torch::Tensor& loss) const {
  return enabled_ ? loss * state_.scale : loss;
}

bool GradScaler::unscale(const std::vector<torch::Tensor>& params) const {
  if (!enabled_) return false;
  std::vector<torch::Tensor> grads;
  for (const auto& p : params)
    if (p.grad().defined()) grads.push_back(p.grad());
  if (grads.empty()) return false;
  // As PyTorch: the reciprocal is taken in double and applied as an fp32 tensor.
  const auto options = torch::TensorOptions().dtype(torch::kFloat).device(grads.front().device());
  const auto inv_scale = torch::full({1}, 1.0 / state_.scale, options);
  auto found_inf = torch::zeros({1}, options);
  if (grads.front().is_cuda()) {
    // The fused CUDA kernel GradScaler uses (LibTorch 1.13 has no CPU kernel for it).
    at::_amp_foreach_non_finite_check_and_unscale_(grads, found_inf, inv_scale);
  } else {
    for (auto& g : grads) {
      found_inf.add_(g.isfinite().all().logical_not().to(torch::kFloat));
      g.mul_(inv_scale);
    }
  }
  return found_inf.item<float>() > 0;
}

void GradScaler::update(bool found_inf) {
  if (!enabled_) return;
  if (found_inf) {
    state_.scale *= options_.backoff_factor;
    state_.growth_tracker = 0;
  } else if (++state_.growth_tracker == options_.growth_interval) {
    state_.scale *= options_.growth_factor;
    state_.growth_tracker = 0;
  }
}

}  // namespace facenet::train
