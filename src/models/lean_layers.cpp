#include "lean_layers.h"

#include <ATen/autocast_mode.h>
#include <torch/autograd.h>

#include <limits>

namespace facenet::models {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

bool reduced_precision(const torch::Tensor& x) {
  return x.scalar_type() == torch::kBFloat16 || x.scalar_type() == torch::kHalf;
}

// Training-mode BatchNorm on an fp32 view of a reduced-precision input, as autograd would run
// bn(x.to(kFloat)) (native_batch_norm, its backward, the cast's backward) but saving `x`.
struct BatchNormOfReducedInput : torch::autograd::Function<BatchNormOfReducedInput> {
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& x, const torch::Tensor& weight,
                               const torch::Tensor& bias, torch::Tensor running_mean, torch::Tensor running_var,
                               double momentum, double eps) {
    auto [y, save_mean, save_invstd] =
        at::native_batch_norm(x.to(torch::kFloat), weight, bias, running_mean, running_var, true, momentum, eps);
    ctx->save_for_backward({x, weight, save_mean, save_invstd});
    ctx->saved_data["eps"] = eps;
    return y;
  }
  static variable_list backward(AutogradContext* ctx, variable_list grad) {
    const auto saved = ctx->get_saved_variables();
    const auto& x = saved[0];
    auto [gx, gw, gb] = at::native_batch_norm_backward(
        grad[0], x.to(torch::kFloat), saved[1], {}, {}, saved[2], saved[3], true, ctx->saved_data["eps"].toDouble(),
        {ctx->needs_input_grad(0), ctx->needs_input_grad(1), ctx->needs_input_grad(2)});
    if (gx.defined()) gx = gx.to(x.scalar_type());
    return {gx, gw, gb, {}, {}, {}, {}};
  }
};

// relu (max = inf) or relu6 (max = 6): output or, where autocast copies it for the next
// convolution anyway, only the mask of where the gradient is cut.
struct ClampFromZero : torch::autograd::Function<ClampFromZero> {
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& x, double max) {
    const bool relu = std::isinf(max);
    auto y = relu ? torch::relu(x) : torch::hardtanh(x, 0, max);
    ctx->saved_data["max"] = max;
    if (!x.requires_grad()) return y;
    const bool consumer_copies = at::autocast::is_cpu_enabled() && x.is_cpu() && !reduced_precision(x);
    ctx->save_for_backward({consumer_copies || reduced_precision(y) ? cut(y, max) : y});
    return y;
  }
  static variable_list backward(AutogradContext* ctx, variable_list grad) {
    const auto saved = ctx->get_saved_variables()[0];
    const double max = ctx->saved_data["max"].toDouble();
    if (saved.scalar_type() == torch::kBool) return {grad[0].masked_fill(saved, 0), {}};
    // The kernels autograd itself runs for relu and hardtanh (LibTorch 1.13 has no
    // reduced-precision hardtanh_backward on the CPU, hence the mask above for those).
    if (std::isinf(max)) return {torch::threshold_backward(grad[0], saved, 0), {}};
    return {torch::hardtanh_backward(grad[0], saved, 0, max), {}};
  }
  // Where hardtanh_backward / threshold_backward zero the gradient: y <= 0 or y >= max.
  static torch::Tensor cut(const torch::Tensor& y, double max) {
    auto c = y.le(0);
    return std::isinf(max) ? c : c.logical_or_(y.ge(max));
  }
};

}  // namespace

torch::Tensor lean_batch_norm(torch::nn::BatchNorm2dImpl& bn, const torch::Tensor& x) {
  const auto& o = bn.options;
  if (!(bn.is_training() && x.is_cpu() && reduced_precision(x) && o.affine() && o.track_running_stats()))
    return bn.forward(x);
  // What BatchNormImplBase::forward does before calling batch_norm.
  bn.num_batches_tracked += 1;
  const double momentum = o.momentum() ? *o.momentum() : 1.0 / bn.num_batches_tracked.item<double>();
  return BatchNormOfReducedInput::apply(x, bn.weight, bn.bias, bn.running_mean, bn.running_var, momentum, o.eps());
}

torch::Tensor lean_relu(const torch::Tensor& x) {
  return ClampFromZero::apply(x, std::numeric_limits<double>::infinity());
}

torch::Tensor lean_relu6(const torch::Tensor& x) { return ClampFromZero::apply(x, 6.0); }

}  // namespace facenet::models
