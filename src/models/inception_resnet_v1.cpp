#include "facenet/models/inception_resnet_v1.h"

#include <torch/nn/functional/activation.h>

#include "lean_layers.h"

namespace facenet::models {
namespace {

namespace nn = torch::nn;
constexpr double kBnEps = 1e-3;  // TF-slim's epsilon, kept by the port

BasicConv2d bc(int64_t in, int64_t out, torch::ExpandingArray<2> k, int64_t stride, torch::ExpandingArray<2> pad,
               double m) {
  return BasicConv2d(in, out, k, stride, pad, m);
}
BasicConv2d bc1x1(int64_t in, int64_t out, double m) { return bc(in, out, 1, 1, 0, m); }

// The 1x1 up-projection of each residual block keeps its bias (the port's `conv2d`).
nn::Conv2d up_projection(int64_t in, int64_t out) { return nn::Conv2d(nn::Conv2dOptions(in, out, 1).bias(true)); }

nn::MaxPool2d maxpool() { return nn::MaxPool2d(nn::MaxPool2dOptions(3).stride(2)); }

}  // namespace

BasicConv2dImpl::BasicConv2dImpl(int64_t in, int64_t out, torch::ExpandingArray<2> kernel, int64_t stride,
                                 torch::ExpandingArray<2> padding, double bn_momentum) {
  conv = register_module("conv", nn::Conv2d(nn::Conv2dOptions(in, out, kernel).stride(stride).padding(padding).bias(false)));
  bn = register_module("bn", nn::BatchNorm2d(nn::BatchNormOptions(out).eps(kBnEps).momentum(bn_momentum)));
  relu = register_module("relu", nn::ReLU());
}

torch::Tensor BasicConv2dImpl::forward(torch::Tensor x) { return relu(lean_batch_norm(*bn, conv(x))); }

Block35Impl::Block35Impl(double scale_, double m) : scale(scale_) {
  branch0 = register_module("branch0", bc1x1(256, 32, m));
  branch1 = register_module("branch1", nn::Sequential(bc1x1(256, 32, m), bc(32, 32, 3, 1, 1, m)));
  branch2 = register_module("branch2",
                            nn::Sequential(bc1x1(256, 32, m), bc(32, 32, 3, 1, 1, m), bc(32, 32, 3, 1, 1, m)));
  conv2d = register_module("conv2d", up_projection(96, 256));
}

torch::Tensor Block35Impl::forward(torch::Tensor x) {
  auto mixed = torch::cat({branch0(x), branch1->forward(x), branch2->forward(x)}, 1);
  return torch::relu(conv2d(mixed) * scale + x);
}

Block17Impl::Block17Impl(double scale_, double m) : scale(scale_) {
  branch0 = register_module("branch0", bc1x1(896, 128, m));
  branch1 = register_module("branch1", nn::Sequential(bc1x1(896, 128, m), bc(128, 128, {1, 7}, 1, {0, 3}, m),
                                                      bc(128, 128, {7, 1}, 1, {3, 0}, m)));
  conv2d = register_module("conv2d", up_projection(256, 896));
}

torch::Tensor Block17Impl::forward(torch::Tensor x) {
  auto mixed = torch::cat({branch0(x), branch1->forward(x)}, 1);
  return torch::relu(conv2d(mixed) * scale + x);
}

Block8Impl::Block8Impl(double scale_, bool relu, double m) : scale(scale_), apply_relu(relu) {
  branch0 = register_module("branch0", bc1x1(1792, 192, m));
  branch1 = register_module("branch1", nn::Sequential(bc1x1(1792, 192, m), bc(192, 192, {1, 3}, 1, {0, 1}, m),
                                                      bc(192, 192, {3, 1}, 1, {1, 0}, m)));
  conv2d = register_module("conv2d", up_projection(384, 1792));
}

torch::Tensor Block8Impl::forward(torch::Tensor x) {
  auto mixed = torch::cat({branch0(x), branch1->forward(x)}, 1);
  auto out = conv2d(mixed) * scale + x;
  return apply_relu ? torch::relu(out) : out;
}

Mixed6aImpl::Mixed6aImpl(double m) {
  branch0 = register_module("branch0", bc(256, 384, 3, 2, 0, m));
  branch1 = register_module("branch1",
                            nn::Sequential(bc1x1(256, 192, m), bc(192, 192, 3, 1, 1, m), bc(192, 256, 3, 2, 0, m)));
  branch2 = register_module("branch2", maxpool());
}

torch::Tensor Mixed6aImpl::forward(torch::Tensor x) {
  return torch::cat({branch0(x), branch1->forward(x), branch2(x)}, 1);
}

Mixed7aImpl::Mixed7aImpl(double m) {
  branch0 = register_module("branch0", nn::Sequential(bc1x1(896, 256, m), bc(256, 384, 3, 2, 0, m)));
  branch1 = register_module("branch1", nn::Sequential(bc1x1(896, 256, m), bc(256, 256, 3, 2, 0, m)));
  branch2 = register_module("branch2",
                            nn::Sequential(bc1x1(896, 256, m), bc(256, 256, 3, 1, 1, m), bc(256, 256, 3, 2, 0, m)));
  branch3 = register_module("branch3", maxpool());
}

torch::Tensor Mixed7aImpl::forward(torch::Tensor x) {
  return torch::cat({branch0->forward(x), branch1->forward(x), branch2->forward(x), branch3(x)}, 1);
}

InceptionResnetV1Impl::InceptionResnetV1Impl(double m) {
  conv2d_1a = register_module("conv2d_1a", bc(3, 32, 3, 2, 0, m));
  conv2d_2a = register_module("conv2d_2a", bc(32, 32, 3, 1, 0, m));
  conv2d_2b = register_module("conv2d_2b", bc(32, 64, 3, 1, 1, m));
  maxpool_3a = register_module("maxpool_3a", maxpool());
  conv2d_3b = register_module("conv2d_3b", bc1x1(64, 80, m));
  conv2d_4a = register_module("conv2d_4a", bc(80, 192, 3, 1, 0, m));
  conv2d_4b = register_module("conv2d_4b", bc(192, 256, 3, 2, 0, m));
  nn::Sequential r1, r2, r3;
  for (int i = 0; i < 5; ++i) r1->push_back(Block35(0.17, m));
  for (int i = 0; i < 10; ++i) r2->push_back(Block17(0.10, m));
  for (int i = 0; i < 5; ++i) r3->push_back(Block8(0.20, true, m));
  repeat_1 = register_module("repeat_1", r1);
  mixed_6a = register_module("mixed_6a", Mixed6a(m));
  repeat_2 = register_module("repeat_2", r2);
  mixed_7a = register_module("mixed_7a", Mixed7a(m));
  repeat_3 = register_module("repeat_3", r3);
  block8 = register_module("block8", Block8(1.0, false, m));
}

torch::Tensor InceptionResnetV1Impl::forward(torch::Tensor x) {
  x = conv2d_2b(conv2d_2a(conv2d_1a(x)));
  x = conv2d_4b(conv2d_4a(conv2d_3b(maxpool_3a(x))));
  x = mixed_7a(repeat_2->forward(mixed_6a(repeat_1->forward(x))));
  return block8(repeat_3->forward(x));
}

std::vector<Stage> InceptionResnetV1Impl::stages() {
  std::vector<Stage> out;
  auto add = [&out](const std::string& name, const std::string& type, auto holder) {
    auto impl = holder.ptr();
    out.push_back({name, type, impl, [impl](const torch::Tensor& x) { return impl->forward(x); }});
  };
  add("conv2d_1a", "BasicConv2d", conv2d_1a);
  add("conv2d_2a", "BasicConv2d", conv2d_2a);
  add("conv2d_2b", "BasicConv2d", conv2d_2b);
  add("maxpool_3a", "MaxPool2d", maxpool_3a);
  add("conv2d_3b", "BasicConv2d", conv2d_3b);
  add("conv2d_4a", "BasicConv2d", conv2d_4a);
  add("conv2d_4b", "BasicConv2d", conv2d_4b);
  for (size_t i = 0; i < repeat_1->size(); ++i)
    add("repeat_1." + std::to_string(i), "Block35", Block35(repeat_1->ptr<Block35Impl>(i)));
  add("mixed_6a", "Mixed6a", mixed_6a);
  for (size_t i = 0; i < repeat_2->size(); ++i)
    add("repeat_2." + std::to_string(i), "Block17", Block17(repeat_2->ptr<Block17Impl>(i)));
  add("mixed_7a", "Mixed7a", mixed_7a);
  for (size_t i = 0; i < repeat_3->size(); ++i)
    add("repeat_3." + std::to_string(i), "Block8", Block8(repeat_3->ptr<Block8Impl>(i)));
  add("block8", "Block8", block8);
  return out;
}

}  // namespace facenet::models
