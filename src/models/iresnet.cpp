#include "facenet/models/iresnet.h"

#include <torch/nn/init.h>

#include "autocast_off.h"
#include "facenet/core/error.h"
#include "lean_layers.h"

namespace facenet::models {
namespace {

namespace nn = torch::nn;
constexpr double kBnEps = 1e-5;  // every BatchNorm of iresnet.py

nn::BatchNorm2d bn2d(int64_t channels, double momentum) {
  return nn::BatchNorm2d(nn::BatchNormOptions(channels).eps(kBnEps).momentum(momentum));
}

nn::Conv2d conv3x3(int64_t in, int64_t out, int64_t stride) {
  return nn::Conv2d(nn::Conv2dOptions(in, out, 3).stride(stride).padding(1).bias(false));
}

}  // namespace

IBasicBlockImpl::IBasicBlockImpl(int64_t inplanes, int64_t planes, int64_t stride, double m) {
  // Registration order = iresnet.py's attribute order (state-dict order) = forward order.
  bn1 = register_module("bn1", bn2d(inplanes, m));
  conv1 = register_module("conv1", conv3x3(inplanes, planes, 1));
  bn2 = register_module("bn2", bn2d(planes, m));
  prelu = register_module("prelu", nn::PReLU(nn::PReLUOptions().num_parameters(planes)));
  conv2 = register_module("conv2", conv3x3(planes, planes, stride));
  bn3 = register_module("bn3", bn2d(planes, m));
  if (stride != 1 || inplanes != planes)
    downsample = register_module(
        "downsample",
        nn::Sequential(nn::Conv2d(nn::Conv2dOptions(inplanes, planes, 1).stride(stride).bias(false)), bn2d(planes, m)));
}

torch::Tensor IBasicBlockImpl::forward(torch::Tensor x) {
  auto out = lean_batch_norm(*bn1, x);
  out = lean_batch_norm(*bn2, conv1(out));
  out = lean_batch_norm(*bn3, conv2(prelu(out)));
  if (!downsample) return out + x;
  auto* conv = downsample[0]->as<nn::Conv2d>();
  auto* bn = downsample[1]->as<nn::BatchNorm2d>();
  return out + lean_batch_norm(*bn, conv->forward(x));
}

IResNetImpl::IResNetImpl(std::array<int64_t, 4> layers, int64_t embedding_size, double m, double dropout_p)
    : embedding_size_(embedding_size) {
  conv1 = register_module("conv1", conv3x3(3, 64, 1));
  bn1 = register_module("bn1", bn2d(64, m));
  prelu = register_module("prelu", nn::PReLU(nn::PReLUOptions().num_parameters(64)));
  int64_t inplanes = 64;
  const int64_t planes[4] = {64, 128, 256, 512};
  nn::Sequential* stages[4] = {&layer1, &layer2, &layer3, &layer4};
  for (int s = 0; s < 4; ++s) {
    nn::Sequential seq;
    for (int64_t b = 0; b < layers[s]; ++b) {
      seq->push_back(IBasicBlock(inplanes, planes[s], b == 0 ? 2 : 1, m));
      inplanes = planes[s];
    }
    *stages[s] = register_module("layer" + std::to_string(s + 1), seq);
  }
  bn2 = register_module("bn2", bn2d(512, m));
  flatten = register_module("flatten", Flatten());
  dropout = register_module("dropout", nn::Dropout(dropout_p));
  fc = register_module("fc", nn::Linear(512 * 7 * 7, embedding_size));  // fc_scale 7*7: 112 px input
  features = register_module("features", nn::BatchNorm1d(nn::BatchNormOptions(embedding_size).eps(kBnEps).momentum(m)));

  // iresnet.py's initialisation: convolutions N(0, 0.1), BatchNorm2d weight 1 and bias 0 (the
  // LibTorch default), fc PyTorch's default; features.weight fixed at 1, not trained.
  torch::NoGradGuard no_grad;
  for (auto& module : modules(/*include_self=*/false))
    if (auto* conv = module->as<nn::Conv2d>()) nn::init::normal_(conv->weight, 0.0, 0.1);
  features->weight.fill_(1.0);
  features->weight.set_requires_grad(false);
}

torch::Tensor IResNetImpl::forward(torch::Tensor x) {
  x = prelu(lean_batch_norm(*bn1, conv1(x)));
  x = layer4->forward(layer3->forward(layer2->forward(layer1->forward(x))));
  x = dropout(flatten(lean_batch_norm(*bn2, x)));
  // As arcface_torch under fp16: the trunk in reduced precision, fc and features in fp32.
  AutocastOff fp32;
  return features(fc(x.to(torch::kFloat)));
}

std::vector<Stage> IResNetImpl::stages() {
  std::vector<Stage> out;
  auto self = this;
  out.push_back({"conv1", "Conv2d", conv1.ptr(), [self](const torch::Tensor& x) { return self->conv1(x); }});
  out.push_back({"bn1", "BatchNorm2d", bn1.ptr(), [self](const torch::Tensor& x) { return self->bn1(x); }});
  out.push_back({"prelu", "PReLU", prelu.ptr(), [self](const torch::Tensor& x) { return self->prelu(x); }});
  const std::pair<const char*, nn::Sequential*> seqs[] = {
      {"layer1", &layer1}, {"layer2", &layer2}, {"layer3", &layer3}, {"layer4", &layer4}};
  for (const auto& [name, seq] : seqs)
    for (size_t i = 0; i < (*seq)->size(); ++i) {
      auto block = (*seq)->ptr<IBasicBlockImpl>(i);
      out.push_back({std::string(name) + "." + std::to_string(i), "IBasicBlock", block,
                     [block](const torch::Tensor& x) { return block->forward(x); }});
    }
  out.push_back({"bn2", "BatchNorm2d", bn2.ptr(), [self](const torch::Tensor& x) { return self->bn2(x); }});
  out.push_back({"flatten", "Flatten", flatten.ptr(), [self](const torch::Tensor& x) { return self->flatten(x); }});
  out.push_back({"dropout", "Dropout", dropout.ptr(), [self](const torch::Tensor& x) { return self->dropout(x); }});
  out.push_back({"fc", "Linear", fc.ptr(), [self](const torch::Tensor& x) { return self->fc(x.to(torch::kFloat)); }});
  out.push_back({"features", "BatchNorm1d", features.ptr(), [self](const torch::Tensor& x) { return self->features(x); }});
  return out;
}

std::array<int64_t, 4> iresnet_layers(Backbone backbone) {
  switch (backbone) {
    case Backbone::IResNet18: return {2, 2, 2, 2};
    case Backbone::IResNet34: return {3, 4, 6, 3};
    case Backbone::IResNet50: return {3, 4, 14, 3};
    case Backbone::IResNet100: return {3, 13, 30, 3};
    case Backbone::IResNet200: return {6, 26, 60, 6};
    default: break;
  }
  throw ConfigError("model.backbone: " + to_string(backbone) + " is not an IResNet");
}

}  // namespace facenet::models
