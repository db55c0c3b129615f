// int8 cases of `facenet bench`: the network as `facenet quantize` writes it (LibTorch's
// quantized oneDNN kernels, the first convolution and the head in fp32) and one quantized 3x3
// convolution, the kernel-level ceiling the network's int8 speed-up cannot beat.
#include <fmt/format.h>
#include <torch/torch.h>

#include <ATen/core/dispatch/Dispatcher.h>
#include <opencv2/core.hpp>

#include "cases.h"
#include "facenet/core/config_yaml.h"
#include "facenet/core/runtime.h"
#include "facenet/data/preprocess.h"
#include "facenet/data/synth.h"
#include "facenet/infer/int8_model.h"
#include "facenet/infer/int8_run.h"
#include "facenet/models/facenet.h"
#include "facenet/quantize/quantize.h"

namespace facenet::bench {

std::string bench_int8_inference(const BenchOptions& o, const std::string& backbone, int64_t batch) {
  const Config c = base_config(o, backbone);
  const int64_t side = c.data.preprocess.image_size;
  infer::use_int8_engine("bench");
  auto model = models::make_model(c.model);
  model->eval();
  // Calibrated on a few drawn faces: the ranges change the scales, not the work done.
  std::vector<torch::Tensor> faces;
  cv::Mat face;
  for (int i = 0; i < 8; ++i) {
    data::render_synth_face(1, 0, i, 0, static_cast<int>(side), face);
    faces.push_back(data::preprocess_image(face, c.data.preprocess));
  }
  const auto graph = quantize::int8_ready_graph(*model);
  const auto keep = quantize::default_fp32_ops(graph);
  const auto q = quantize::quantize_graph(graph, torch::stack(faces), quantize::ObserverKind::MinMax,
                                          {keep.begin(), keep.end()}, 8);
  const auto forward = infer::int8_inference_fn(q.module);
  const auto x = torch::randn({batch, 3, side, side});
  const double r = rate(o, batch, batch == 1 ? 3 : 1, [&] { forward(x); });
  return fmt::format("{};{} of {} conv/linear layers int8, oneDNN", r, q.int8_ops.size(),
                     q.int8_ops.size() + q.fp32_ops.size());
}

std::string bench_conv_kernel_int8(const BenchOptions& o) {
  RuntimeConfig rc;
  rc.threads = o.threads;
  apply_runtime(rc);
  infer::use_int8_engine("bench");
  constexpr int64_t batch = 32, channels = 128, side = 20;
  const auto x = torch::quantize_per_tensor(torch::rand({batch, channels, side, side}), 1.0 / 255, 0, torch::kQUInt8)
                     .contiguous(torch::MemoryFormat::ChannelsLast);
  const auto w = torch::randn({channels, channels, 3, 3}).mul_(0.03);
  const auto qw = torch::quantize_per_channel(w, quantize::weight_scales(w), torch::zeros({channels}, torch::kLong), 0,
                                              torch::kQInt8);
  auto call = [](const char* name, torch::jit::Stack stack) {
    c10::Dispatcher::singleton().findSchemaOrThrow(name, "").callBoxed(&stack);
    return stack.at(0);
  };
  const auto packed = call("quantized::conv2d_prepack", {qw, c10::optional<torch::Tensor>(), c10::List<int64_t>({1, 1}),
                                                         c10::List<int64_t>({1, 1}), c10::List<int64_t>({1, 1}), int64_t{1}});
  const auto conv = c10::Dispatcher::singleton().findSchemaOrThrow("quantized::conv2d", "new");
  torch::NoGradGuard no_grad;
  const double images_per_s = rate(o, batch, 2, [&] {
    torch::jit::Stack s{x, packed, 0.05, int64_t{0}};
    conv.callBoxed(&s);
  });
  const double ops_per_image = 2.0 * channels * channels * 9 * side * side;
  return fmt::format("{};int8 3x3 conv {}->{} ch at {}x{}, batch {}, channels-last, per-channel weights (GOP/s)",
                     images_per_s * ops_per_image / 1e9, channels, channels, side, side, batch);
}

}  // namespace facenet::bench
