#include "facenet/tasks/quantize.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <torch/script.h>
#include <torch/torch.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "facenet/checkpoint/checkpoint.h"
#include "facenet/core/error.h"
#include "facenet/core/fs.h"
#include "facenet/data/preprocess.h"
#include "facenet/eval/evaluator.h"
#include "facenet/eval/pairs.h"
#include "facenet/infer/int8_run.h"
#include "facenet/infer/inference.h"
#include "facenet/infer/network_format.h"
#include "facenet/models/facenet.h"
#include "facenet/quantize/onnx_qdq.h"
#include "facenet/quantize/quantize.h"

namespace facenet::tasks {
namespace fs = std::filesystem;
namespace {

struct PairFigures {
  double accuracy = 0, auc = 0, threshold_at_far = 0;
};

struct Comparison {
  PairFigures fp32, int8;
  double min_cosine = 1, mean_cosine = 1;
  int64_t images = 0, pairs = 0;
};

// Both networks on the pairs' images with eval's protocol (folds, thresholds, AUC) in the
// model's distance; the threshold at the model's FAR target is what an int8 model records.
Comparison compare_on_pairs(const QuantizeOptions& o, EvalConfig ec, const infer::ExportMeta& meta,
                            const InferenceFn& fp32, const InferenceFn& int8) {
  // The checkpoint's own protocol (flip, mean subtraction, folds) on the given pairs.
  ec.pairs = o.pairs;
  ec.data_dir = o.pairs_dir.empty() ? fs::path(o.pairs).parent_path().string() : o.pairs_dir;
  ec.distance = meta.distance;
  ec.far_target = meta.far_target;
  ec.skip_missing = false;
  const auto prepared = eval::prepare_pairs(
      ec, [&](const std::string& p) { return fs::exists(eval::resolve_image(ec.data_dir, p)); }, "under " + ec.data_dir);
  const auto images = eval::unique_images(prepared.pairs);
  std::vector<std::string> paths;
  for (const auto& image : images) paths.push_back(eval::resolve_image(ec.data_dir, image));
  auto run = [&](const InferenceFn& forward, const char* what, PairFigures& figures) {
    const EmbedFn embed = [&](const std::vector<std::string>& batch, bool flip) {
      return forward(data::load_images(batch, meta.preprocess, flip));
    };
    auto set = eval::embed_with_flip(paths, images, ec, embed, what, [&](size_t i) { return paths[i]; });
    const auto report = eval::evaluate_pairs(prepared.pairs, set, ec);
    figures = {report.metrics.accuracy_mean, report.metrics.auc, report.metrics.threshold_at_far};
    return set.plain;
  };
  Comparison c;
  const auto a = run(fp32, "fp32", c.fp32);
  const auto b = run(int8, "int8", c.int8);
  const auto cos = quantize::row_cosines(a, b);
  c.min_cosine = cos.min().item<double>();
  c.mean_cosine = cos.mean().item<double>();
  c.images = static_cast<int64_t>(images.size());
  c.pairs = static_cast<int64_t>(prepared.pairs.size());
  return c;
}

std::string sensitivity_csv(const std::vector<quantize::Sensitivity>& rows) {
  std::string out = "layer,mean_cosine,min_cosine\n";
  for (const auto& r : rows) out += fmt::format("{},{:.6f},{:.6f}\n", r.op, r.mean_cosine, r.min_cosine);
  return out;
}

}  // namespace

std::string run_quantize(const QuantizeOptions& o) {
  const auto observer = quantize::observer_kind(o.observer, "--observer");
  const auto& format = infer::network_formats().format_of(o.model);
  if (format.name == "int8") throw Error("'" + o.model + "' is already an int8 model: quantize its fp32 checkpoint");
  if (format.name != "checkpoint")
    throw Error("'" + o.model + "' is a " + format.kind +
                ": quantize needs a training checkpoint (facenet train or facenet import), whose modules it quantizes");
  infer::use_int8_engine("quantize");
  const auto checkpoint = Checkpoint::open(o.model);
  auto meta = infer::meta_from_checkpoint(checkpoint);
  auto model = models::make_model(checkpoint.info().config.model);
  checkpoint.load_into(*model);
  model->eval();
  const auto graph = quantize::int8_ready_graph(*model);
  const auto keep = o.keep_fp32 ? *o.keep_fp32 : quantize::default_fp32_ops(graph);
  quantize::check_op_names(graph, keep, "--keep-fp32");

  const auto calib = quantize::load_calibration_images(o.calibrate, meta.preprocess, o.images);
  spdlog::info("[quantize] {} calibration images from {} ({} skipped: not decodable)", calib.images.size(0),
               o.calibrate, calib.skipped);
  const std::set<std::string> keep_set(keep.begin(), keep.end());
  torch::NoGradGuard no_grad;
  quantize::Calibration calibration(graph, observer);
  for (int64_t i = 0; i < calib.images.size(0); i += o.batch_size)
    calibration.observe(calib.images.slice(0, i, std::min(calib.images.size(0), i + o.batch_size)));
  const auto qparams = calibration.qparams();
  const auto q = quantize::to_int8_module(graph, qparams, keep_set);
  const auto int8 = infer::int8_inference_fn(q.module);
  const auto fp32 = infer::compile_for_inference(*model, Precision::FP32);

  infer::Int8Record record;
  record.observer = quantize::to_string(observer);
  record.calibration_images = calib.images.size(0);
  record.skipped_images = calib.skipped;
  record.calibration_dir = o.calibrate;
  record.int8_ops = q.int8_ops;
  record.fp32_ops = q.fp32_ops;
  record.source = o.model;

  std::ostringstream report;
  report << fmt::format("int8: {} of {} convolution/linear layers ({})\n", q.int8_ops.size(),
                        q.int8_ops.size() + q.fp32_ops.size(),
                        q.fp32_ops.empty() ? std::string("none kept fp32")
                                           : fmt::format("{} kept fp32: {}", q.fp32_ops.size(), fmt::join(q.fp32_ops, ", ")));
  report << fmt::format("calibration: {} images from {} ({} skipped), {} observer, engine {}\n",
                        record.calibration_images, o.calibrate, record.skipped_images, record.observer, record.engine);
  // fp32 against int8 on held-back calibration images (those past the sensitivity sample when
  // there are enough, else all of them).
  const auto sample = calib.images.slice(0, 0, std::min<int64_t>(calib.images.size(0), 64));
  const auto ref = quantize::embed_all(fp32, sample);
  const auto cos = quantize::row_cosines(ref, quantize::embed_all(int8, sample));
  report << fmt::format("cosine fp32 vs int8 on {} calibration images: mean {:.5f}, min {:.5f}\n", sample.size(0),
                        cos.mean().item<double>(), cos.min().item<double>());

  nlohmann::json j{{"model", o.model},
                   {"out", o.out},
                   {"int8_ops", q.int8_ops},
                   {"fp32_ops", q.fp32_ops},
                   {"observer", record.observer},
                   {"calibration_images", record.calibration_images},
                   {"skipped_images", record.skipped_images},
                   {"calibration_cosine_mean", cos.mean().item<double>()},
                   {"calibration_cosine_min", cos.min().item<double>()}};
  if (!o.pairs.empty()) {
    const auto c = compare_on_pairs(o, checkpoint.info().config.eval, meta, fp32, int8);
    report << fmt::format("pairs {} ({} pairs, {} images):\n", o.pairs, c.pairs, c.images);
    report << fmt::format("  fp32: accuracy {:.4f}  AUC {:.4f}  threshold@FAR {:.4f}\n", c.fp32.accuracy, c.fp32.auc,
                          c.fp32.threshold_at_far);
    report << fmt::format("  int8: accuracy {:.4f}  AUC {:.4f}  threshold@FAR {:.4f}\n", c.int8.accuracy, c.int8.auc,
                          c.int8.threshold_at_far);
    report << fmt::format("  cosine fp32 vs int8: mean {:.5f}, min {:.5f}\n", c.mean_cosine, c.min_cosine);
    j["pairs"] = {{"file", o.pairs},
                  {"pairs", c.pairs},
                  {"images", c.images},
                  {"fp32", {{"accuracy", c.fp32.accuracy}, {"auc", c.fp32.auc}, {"threshold_at_far", c.fp32.threshold_at_far}}},
                  {"int8", {{"accuracy", c.int8.accuracy}, {"auc", c.int8.auc}, {"threshold_at_far", c.int8.threshold_at_far}}},
                  {"cosine_mean", c.mean_cosine},
                  {"cosine_min", c.min_cosine}};
    if (meta.threshold > 0) {  // re-measured in int8 at the FAR the fp32 threshold was set at
      record.fp32_threshold = meta.threshold;
      meta.threshold = c.int8.threshold_at_far;
      report << fmt::format("  threshold re-measured at FAR {}: fp32 {:.4f} -> int8 {:.4f}\n", meta.far_target,
                            record.fp32_threshold, meta.threshold);
    }
    if (o.sensitivity_images > 0) {
      const auto images = calib.images.slice(0, 0, std::min(calib.images.size(0), o.sensitivity_images));
      const auto rows = quantize::layer_sensitivity(graph, qparams, q.int8_ops, images, quantize::embed_all(fp32, images));
      write_file_atomic(o.out + ".sensitivity.csv", sensitivity_csv(rows));
      report << fmt::format("per-layer sensitivity (each layer alone in int8, the rest fp32; {} images; worst first):\n",
                            images.size(0));
      for (size_t k = 0; k < rows.size() && k < 10; ++k)
        report << fmt::format("  {:<50} mean cosine {:.6f}  min {:.6f}\n", rows[k].op, rows[k].mean_cosine,
                              rows[k].min_cosine);
      report << "  (all " << rows.size() << " rows: " << o.out << ".sensitivity.csv)\n";
      auto& js = j["sensitivity"] = nlohmann::json::array();
      for (const auto& r : rows) js.push_back({{"layer", r.op}, {"mean_cosine", r.mean_cosine}, {"min_cosine", r.min_cosine}});
    }
    write_file_atomic(o.out + ".quant.json", j.dump(2));
  }
  quantize::write_int8_model(q.module, meta, record, o.out);
  if (!o.onnx.empty()) {
    quantize::write_qdq_onnx(graph, qparams, q, meta, o.onnx);
    report << "wrote " << o.onnx << " (QDQ ONNX, opset 13)\n";
  }
  spdlog::info("[quantize] {} -> {} ({:.1f} MB)", o.model, o.out, fs::file_size(o.out) / 1e6);
  report << "wrote " << o.out << "\n";
  return report.str();
}

}  // namespace facenet::tasks
