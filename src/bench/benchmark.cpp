#include "facenet/bench/benchmark.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "cases.h"
#include "facenet/core/precision.h"
#include "facenet/core/runtime.h"
#include "isolate.h"

namespace facenet::bench {
namespace fs = std::filesystem;
namespace {

bool selected(const BenchOptions& o, const std::string& name) {
  if (o.only.empty()) return true;
  for (const auto& s : o.only)
    if (name.find(s) != std::string::npos) return true;
  return false;
}

}  // namespace

BenchReport run_benchmarks(const BenchOptions& o, const std::function<void(const BenchCase&)>& on_case) {
  BenchReport report;
  // Facts are gathered in a child too: system_info() touches LibTorch's thread pools.
  const auto facts = run_isolated([&] {
    RuntimeConfig rc;
    rc.threads = o.threads;
    apply_runtime(rc);
    return nlohmann::json(system_info()).dump();
  });
  if (facts.error.empty())
    report.machine = nlohmann::json::parse(facts.output).get<std::vector<std::pair<std::string, std::string>>>();
  else
    report.machine.emplace_back("error", facts.error);

  double peak = 0, flop_per_image = 0;  // FMA peak (GFLOP/s); FLOPs per image of the cases being run
  auto run_case = [&](const std::string& name, const std::string& unit, const std::function<std::string()>& fn,
                      bool always = false) {
    if (!always && !selected(o, name)) return;
    spdlog::info("[bench] {} ...", name);
    const auto r = run_isolated(fn);
    BenchCase c{name, unit, 0, r.peak_rss_mb, "", r.error};
    if (r.error.empty()) {
      const auto semi = r.output.find(';');
      c.value = std::stod(r.output.substr(0, semi));
      c.note = semi == std::string::npos ? "" : r.output.substr(semi + 1);
      c.gflop_per_s = flop_per_image * c.value / 1e9;
      c.peak_share = peak > 0 ? c.gflop_per_s / peak : 0;
    }
    report.cases.push_back(c);
    if (on_case) on_case(c);
  };

  // The cores' measured FP32 peak and each network's MACs per image put inference rates as
  // GFLOP/s and a share of that peak (measured whatever --only selects: it takes o.seconds).
  run_case("cpu/fma-peak", "GFLOP/s", [&] { return bench_cpu_peak(o); }, true);
  if (!report.cases.empty() && report.cases.back().error.empty()) peak = report.cases.back().value;
  // What bf16 can give on this CPU: the instruction's peak, then what LibTorch's oneDNN
  // convolution delivers in each precision (the networks' ratio cannot beat the kernels').
  const bool bf16 = std::find(o.precisions.begin(), o.precisions.end(), "bf16") != o.precisions.end();
  if (bf16 && cpu_features().avx512_bf16)
    run_case("cpu/bf16-dot-peak", "GFLOP/s", [&] { return bench_bf16_dot_peak(o); });
  for (const auto& precision : o.precisions)
    run_case("cpu/conv3x3-" + precision, "GFLOP/s", [&] {
      return precision == "int8" ? bench_conv_kernel_int8(o) : bench_conv_kernel(o, precision);
    });
  for (const auto& backbone : o.backbones) {
    const auto macs = run_isolated([&] { return bench_macs(o, backbone); });
    flop_per_image = macs.error.empty() ? 2.0 * std::stod(macs.output) : 0;
    if (flop_per_image > 0) spdlog::info("[bench] {}: {:.3f} GMAC per image", backbone, flop_per_image / 2e9);
    // fp32 cases keep their names; bf16 ones add "-bf16" (ONNX runs in OpenCV's fp32 only).
    for (const auto& precision : o.precisions) {
      if (precision == "int8") {  // one path: facenet quantize's module on LibTorch's quantized kernels
        for (int64_t b : o.inference_batches)
          run_case(fmt::format("{}/infer-int8/b{}", backbone, b), "img/s",
                   [&, b] { return bench_int8_inference(o, backbone, b); });
        continue;
      }
      const std::string suffix = precision == "fp32" ? "" : "-" + precision;
      for (const char* path : {"eager", "optimised", "onnx-opencv"}) {
        if (suffix.size() && std::string(path) == "onnx-opencv") continue;
        for (int64_t b : o.inference_batches)
          run_case(fmt::format("{}/infer-{}{}/b{}", backbone, path, suffix, b), "img/s",
                   [&, path, b] { return bench_inference(o, backbone, path, b, precision); });
      }
    }
    flop_per_image = 0;
    for (const auto& precision : o.precisions) {
      if (precision == "int8") continue;  // inference only
      const std::string suffix = precision == "fp32" ? "" : "-" + precision;
      run_case(fmt::format("{}/train-step{}/b{}", backbone, suffix, o.train_batch), "img/s",
               [&] { return bench_train_step(o, backbone, precision); });
    }
    // Fine-tuning's usual freeze (train.trainable_from: the last stage): no backward through the front.
    const std::string last_stage = backbone == "mobilenet"             ? "backbone.stage3"
                                   : backbone == "inception_resnet_v1" ? "backbone.repeat_3.0"
                                   : backbone == "mobilefacenet"       ? "backbone.layers.7"
                                                                       : "backbone.layer4";
    run_case(fmt::format("{}/train-step-frozen/b{}", backbone, o.train_batch), "img/s",
             [&] { return bench_train_step(o, backbone, "fp32", last_stage); });
  }

  std::string root = o.data_root;
  const bool need_data = selected(o, "data/pipeline") || selected(o, "train-e2e");
  std::string generated;
  if (root.empty() && need_data) {
    generated = (fs::temp_directory_path() / ("facenet-bench-jpeg-" + std::to_string(::getpid()))).string();
    const auto made = run_isolated([&] { return make_jpeg_tree(generated); });
    if (made.error.empty()) root = made.output;
    else spdlog::warn("[bench] could not generate JPEGs: {}", made.error);
  }
  if (!o.data_root.empty())  // real photos only: MTCNN finds few drawn faces
    run_case("detect/mtcnn/b1", "img/s", [&] { return bench_mtcnn(o, o.data_root); });
  if (!root.empty()) {
    run_case(fmt::format("data/pipeline/b{}", o.train_batch), "img/s", [&] { return bench_pipeline(o, root); });
    run_case(fmt::format("mobilenet/train-e2e/b{}", o.train_batch), "img/s",
             [&] { return bench_train_e2e(o, "mobilenet", root); });
  }
  if (!generated.empty()) fs::remove_all(generated);
  run_case(fmt::format("identify/{}-rows/b1", o.identify_rows), "ms", [&] { return bench_identify(o); });
  if (!o.lfw_dir.empty() && !o.lfw_pairs.empty())
    run_case("mobilenet/lfw-eval", "s", [&] { return bench_lfw_eval(o); });
  return report;
}

std::string to_json(const BenchReport& report) {
  nlohmann::json j;
  for (const auto& [k, v] : report.machine) j["machine"][k] = v;
  j["cases"] = nlohmann::json::array();
  for (const auto& c : report.cases) {
    nlohmann::json e{{"name", c.name}, {"unit", c.unit}, {"value", c.value}, {"peak_rss_mb", c.peak_rss_mb}};
    if (!c.note.empty()) e["note"] = c.note;
    if (c.gflop_per_s > 0) e["gflop_per_s"] = c.gflop_per_s;
    if (c.peak_share > 0) e["peak_share"] = c.peak_share;
    if (!c.error.empty()) e["error"] = c.error;
    j["cases"].push_back(e);
  }
  return j.dump(2) + "\n";
}

std::string format_case(const BenchCase& c) {
  if (!c.error.empty()) return fmt::format("{:<46} failed: {}", c.name, c.error);
  auto note = c.note;
  if (c.gflop_per_s > 0) note += fmt::format("{}{:.1f} GFLOP/s", note.empty() ? "" : ", ", c.gflop_per_s);
  if (c.peak_share > 0) note += fmt::format(" = {:.0f}% of peak", 100 * c.peak_share);
  return fmt::format("{:<46} {:>10.1f} {:<7} {:>8.0f} MB  {}", c.name, c.value, c.unit, c.peak_rss_mb, note);
}

std::string to_table(const BenchReport& report) {
  std::string out;
  for (const auto& [k, v] : report.machine) out += fmt::format("{:<18} {}\n", k + ":", v);
  out += fmt::format("{:<46} {:>10} {:<7} {:>11}\n", "case", "value", "unit", "peak RSS");
  for (const auto& c : report.cases) out += format_case(c) + "\n";
  return out;
}

}  // namespace facenet::bench
