#include "lean_layers.h"

#include <torch/autograd.h>

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

// ReLU6 whose backward reads its output. hardtanh keeps its input, the BatchNorm output
// nothing else needs; the output is kept by the next convolution anyway (in fp32; under
// autocast the convolution keeps its own bf16 copy). So fp32 training holds two activations
// per layer instead of three, with bit-identical values and gradients: 0 < x < 6 <=> 0 < y < 6.
// (Keeping a 1-byte mask instead under autocast halves bf16 memory again, but LibTorch 1.13's
// bool-mask kernels made bf16 MobileNet training 2x slower; left out.)
struct Relu6KeepingOutput : torch::autograd::Function<Relu6KeepingOutput> {
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& x) {
    auto y = torch::hardtanh(x, 0, 6);
    ctx->save_for_backward({y});
    return y;
  }
  static variable_list backward(AutogradContext* ctx, variable_list grad) {
    const auto y = ctx->get_saved_variables()[0];
    if (y.scalar_type() == torch::kFloat) return {torch::hardtanh_backward(grad[0], y, 0, 6)};
    // LibTorch 1.13 has no bf16/fp16 hardtanh_backward on the CPU: the same rule, written out.
    return {grad[0].masked_fill(y.le(0).logical_or_(y.ge(6)), 0)};
  }
};

}  // namespace

torch::Tensor lean_batch_norm(torch::nn::BatchNorm2dImpl& bn, const torch::Tensor& x) {
  const auto& o = bn.options;
  if (!(bn.is_training() && x.is_cpu() && reduced_precision(x))) return bn.forward(x);
  if (!o.affine() || !o.track_running_stats()) return bn.forward(x.to(torch::kFloat));  // (not in our trunks)
  // What BatchNormImplBase::forward does before calling batch_norm.
  bn.num_batches_tracked += 1;
  const double momentum = o.momentum() ? *o.momentum() : 1.0 / bn.num_batches_tracked.item<double>();
  return BatchNormOfReducedInput::apply(x, bn.weight, bn.bias, bn.running_mean, bn.running_var, momentum, o.eps());
}

torch::Tensor lean_relu6(const torch::Tensor& x) { return Relu6KeepingOutput::apply(x); }

}  // namespace facenet::models
