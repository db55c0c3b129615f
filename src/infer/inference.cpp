#include "facenet/infer/inference.h"

#include <spdlog/spdlog.h>
#include <torch/script.h>
#include <torch/torch.h>

#include <memory>

#include "facenet/models/graph.h"

namespace facenet::infer {
// The layer graph (models/graph.h) is this file's vocabulary.
using models::build_graph;
using models::count_macs;
using models::fold_batch_norms;
using models::to_script_module;
namespace {

InferenceFn optimised(torch::jit::Module module) {
  module.eval();
  auto frozen = std::make_shared<torch::jit::Module>(torch::jit::freeze(module));
  *frozen = torch::jit::optimize_for_inference(*frozen);
  return [frozen](const torch::Tensor& x) {
    torch::NoGradGuard no_grad;
    return frozen->forward({x.to(torch::kCPU, torch::kFloat).contiguous()}).toTensor();
  };
}

/// bf16: the frozen graph with bf16 weights in channels-last order, fed bf16 channels-last
/// images (oneDNN's native bf16 convolutions; optimize_for_inference's oneDNN rewrite is
/// fp32-only, so it is left out). The embedding is renormalised in fp32: a bf16 unit vector's
/// norm is only within ~0.4% of 1.
InferenceFn optimised_bf16(torch::jit::Module module) {
  module.eval();
  module.to(torch::kBFloat16);
  {
    torch::NoGradGuard no_grad;
    for (auto p : module.parameters())
      if (p.dim() == 4) p.set_data(p.contiguous(torch::MemoryFormat::ChannelsLast));
  }
  auto frozen = std::make_shared<torch::jit::Module>(torch::jit::freeze(module));
  return [frozen](const torch::Tensor& x) {
    torch::NoGradGuard no_grad;
    auto in = x.to(torch::kCPU, torch::kBFloat16).contiguous(torch::MemoryFormat::ChannelsLast);
    auto out = frozen->forward({in}).toTensor().to(torch::kFloat);
    return out / out.norm(2, 1, true).clamp_min(1e-12);
  };
}

InferenceFn compile(torch::jit::Module module, Precision precision) {
  return precision == Precision::FP32 ? optimised(std::move(module)) : optimised_bf16(std::move(module));
}

}  // namespace

InferenceFn compile_for_inference(models::FaceNetImpl& model, Precision precision) {
  auto graph = build_graph(model);
  fold_batch_norms(graph);
  return compile(to_script_module(graph), precision);
}

int64_t inference_macs(models::FaceNetImpl& model, int64_t image_size) {
  return count_macs(build_graph(model), image_size);
}

InferenceFn compile_for_inference(const torch::jit::Module& module, Precision precision) {
  return compile(module.clone(), precision);
}

Precision inference_precision(InferenceDtype dtype, const std::string& path) {
  if (dtype == InferenceDtype::FP32) return Precision::FP32;
  const auto caps = device_caps(c10::DeviceType::CPU);
  const auto precision = resolve_inference_precision(dtype, caps);
  const auto level = bf16_slower_here(precision, caps) ? spdlog::level::warn : spdlog::level::info;
  spdlog::log(level, "[infer] runtime.inference_dtype {}: {} runs in {} ({})", to_string(dtype), path,
              to_string(precision), bf16_speed_note(caps));
  return precision;
}

}  // namespace facenet::infer
