#include "facenet/infer/inference.h"

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

}  // namespace

InferenceFn compile_for_inference(models::FaceNetImpl& model) {
  auto graph = build_graph(model);
  fold_batch_norms(graph);
  return optimised(to_script_module(graph));
}

int64_t inference_macs(models::FaceNetImpl& model, int64_t image_size) {
  return count_macs(build_graph(model), image_size);
}

InferenceFn compile_for_inference(const torch::jit::Module& module) { return optimised(module.clone()); }

}  // namespace facenet::infer
