#include "facenet/models/mobilefacenet.h"

#include <torch/nn/init.h>
#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>

#include "autocast_off.h"
#include "facenet/models/flatten.h"
#include "lean_layers.h"

namespace facenet::models {
namespace {

namespace nn = torch::nn;
constexpr double kBnEps = 1e-5;  // PyTorch's default, which mobilefacenet.py keeps

nn::Conv2d conv(int64_t in, int64_t out, int64_t kernel, int64_t stride, int64_t padding, int64_t groups) {
  return nn::Conv2d(nn::Conv2dOptions(in, out, kernel).stride(stride).padding(padding).groups(groups).bias(false));
}
nn::BatchNorm2d bn(int64_t c, double m) { return nn::BatchNorm2d(nn::BatchNormOptions(c).eps(kBnEps).momentum(m)); }

/// ConvBlock: conv -> BN -> PReLU.
Layers conv_block(int64_t in, int64_t out, int64_t kernel, int64_t stride, int64_t padding, int64_t groups, double m) {
  return Layers(nn::Sequential(conv(in, out, kernel, stride, padding, groups), bn(out, m),
                               nn::PReLU(nn::PReLUOptions().num_parameters(out))));
}
/// LinearBlock: conv -> BN.
Layers linear_block(int64_t in, int64_t out, int64_t kernel, int64_t stride, int64_t padding, int64_t groups,
                    double m) {
  return Layers(nn::Sequential(conv(in, out, kernel, stride, padding, groups), bn(out, m)));
}
/// Residual: `blocks` DepthWise(c, c, residual) of the given width, stride 1.
Layers residual(int64_t c, int64_t blocks, int64_t width, double m) {
  nn::Sequential seq;
  for (int64_t i = 0; i < blocks; ++i) seq->push_back(DepthWise(c, c, true, 1, width, m));
  return Layers(seq);
}

}  // namespace

LayersImpl::LayersImpl(nn::Sequential seq) { layers = register_module("layers", seq); }

torch::Tensor LayersImpl::forward(torch::Tensor x) {
  for (auto& child : *layers) {
    if (auto* b = child.ptr()->as<nn::BatchNorm2d>())
      x = lean_batch_norm(*b, x);
    else
      x = child.forward(x);
  }
  return x;
}

DepthWiseImpl::DepthWiseImpl(int64_t in, int64_t out, bool residual_, int64_t stride, int64_t width, double m)
    : residual(residual_) {
  layers = register_module("layers", nn::Sequential(conv_block(in, width, 1, 1, 0, 1, m),
                                                    conv_block(width, width, 3, stride, 1, width, m),
                                                    linear_block(width, out, 1, 1, 0, 1, m)));
}

torch::Tensor DepthWiseImpl::forward(torch::Tensor x) {
  auto y = layers->forward(x);
  return residual ? x + y : y;
}

MobileFaceNetImpl::MobileFaceNetImpl(int64_t embedding_size, double m) : embedding_size_(embedding_size) {
  // mbf: blocks (1, 4, 6, 2), scale 2 (64 * 2 = 128 and 128 * 2 = 256 channels).
  layers = register_module(
      "layers",
      nn::Sequential(conv_block(3, 128, 3, 2, 1, 1, m),
                     conv_block(128, 128, 3, 1, 1, 64, m),  // blocks[0] == 1: one grouped ConvBlock, groups 64
                     DepthWise(128, 128, false, 2, 128, m), residual(128, 4, 128, m),
                     DepthWise(128, 256, false, 2, 256, m), residual(256, 6, 256, m),
                     DepthWise(256, 256, false, 2, 512, m), residual(256, 2, 256, m)));
  conv_sep = register_module("conv_sep", conv_block(256, 512, 1, 1, 0, 1, m));
  features = register_module(
      "features", Layers(nn::Sequential(linear_block(512, 512, 7, 1, 0, 512, m), Flatten(),
                                        nn::Linear(nn::LinearOptions(512, embedding_size).bias(false)),
                                        nn::BatchNorm1d(nn::BatchNormOptions(embedding_size).eps(kBnEps).momentum(m)))));

  // mobilefacenet.py's initialisation: convolutions and the linear layer Kaiming-normal (fan
  // out, ReLU gain), BatchNorm2d weight 1 and bias 0 (the LibTorch default).
  torch::NoGradGuard no_grad;
  for (auto& module : modules(/*include_self=*/false)) {
    if (auto* c = module->as<nn::Conv2d>())
      nn::init::kaiming_normal_(c->weight, 0.0, torch::kFanOut, torch::kReLU);
    else if (auto* l = module->as<nn::Linear>())
      nn::init::kaiming_normal_(l->weight, 0.0, torch::kFanOut, torch::kReLU);
  }
}

torch::Tensor MobileFaceNetImpl::forward(torch::Tensor x) {
  x = layers->forward(x);
  // As arcface_torch under fp16: conv_sep and the GDC head in fp32.
  AutocastOff fp32;
  return features(conv_sep(x.to(torch::kFloat)));
}

std::vector<Stage> MobileFaceNetImpl::stages() {
  std::vector<Stage> out;
  for (size_t i = 0; i < layers->size(); ++i) {
    const auto name = "layers." + std::to_string(i);
    if (auto dw = std::dynamic_pointer_cast<DepthWiseImpl>(layers->ptr(i))) {
      out.push_back({name, "DepthWise", dw, [dw](const torch::Tensor& x) { return dw->forward(x); }});
      continue;
    }
    auto block = std::dynamic_pointer_cast<LayersImpl>(layers->ptr(i));
    const bool is_residual = std::dynamic_pointer_cast<DepthWiseImpl>(block->layers->ptr(0)) != nullptr;
    out.push_back({name, is_residual ? "Residual" : "ConvBlock", block,
                   [block](const torch::Tensor& x) { return block->forward(x); }});
  }
  auto self = this;
  out.push_back({"conv_sep", "ConvBlock", conv_sep.ptr(),
                 [self](const torch::Tensor& x) { return self->conv_sep(x.to(torch::kFloat)); }});
  out.push_back({"features", "GDC", features.ptr(), [self](const torch::Tensor& x) { return self->features(x); }});
  return out;
}

}  // namespace facenet::models
