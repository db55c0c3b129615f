#include "facenet/quantize/quantize.h"

#include <spdlog/spdlog.h>
#include <torch/script.h>
#include <torch/torch.h>

#include <algorithm>
#include <filesystem>

#include <fmt/format.h>
#include <opencv2/core.hpp>

#include "facenet/core/error.h"
#include "facenet/core/script_file.h"
#include "facenet/core/fs.h"
#include "facenet/core/progress.h"
#include "facenet/data/dataset.h"
#include "facenet/data/image_io.h"
#include "facenet/data/preprocess.h"
#include "facenet/infer/int8_run.h"

namespace facenet::quantize {
namespace fs = std::filesystem;

CalibrationImages load_calibration_images(const std::string& dir, const PreprocessConfig& preprocess, int64_t limit,
                                          int64_t min_images) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw Error("calibration folder '" + dir + "' is not a folder");
  std::vector<std::string> files;
  for (auto it = fs::recursive_directory_iterator(dir, fs::directory_options::skip_permission_denied, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
    if (it->is_regular_file(ec) && data::is_image_path(it->path().string())) files.push_back(it->path().string());
  std::sort(files.begin(), files.end());
  if (files.empty()) throw Error("calibration folder '" + dir + "' holds no images (jpg, png, ...)");
  CalibrationImages out;
  std::vector<torch::Tensor> rows;
  cv::Mat bgr;
  for (const auto& file : files) {
    if (limit > 0 && static_cast<int64_t>(rows.size()) >= limit) break;
    std::string reason;
    if (!data::read_image(file, bgr, &reason)) {
      spdlog::warn("[quantize] skipping calibration image '{}': {}", file, reason);
      ++out.skipped;
      continue;
    }
    rows.push_back(data::preprocess_image(bgr, preprocess));
    out.paths.push_back(file);
  }
  if (static_cast<int64_t>(rows.size()) < min_images)
    throw Error(fmt::format("calibration folder '{}' has {} decodable images ({} skipped); quantize needs at least {}",
                            dir, rows.size(), out.skipped, min_images));
  out.images = torch::stack(rows);
  return out;
}

Int8Module quantize_graph(const models::Graph& graph, const torch::Tensor& images, ObserverKind observer,
                          const std::set<std::string>& fp32_ops, int64_t batch_size) {
  Calibration calibration(graph, observer);
  const int64_t n = images.size(0);
  Progress progress(n);
  for (int64_t i = 0; i < n; i += batch_size) {
    const auto batch = images.slice(0, i, std::min(n, i + batch_size));
    calibration.observe(batch);
    progress.add(batch.size(0));
    if (progress.due())
      spdlog::info("[quantize] calibrating ({} observer): {}/{} images, {:.1f} img/s, ETA {}", to_string(observer),
                   progress.done(), n, progress.rate(), format_duration(progress.eta_s()));
  }
  return to_int8_module(graph, calibration.qparams(), fp32_ops);
}

void write_int8_model(const torch::jit::Module& module, const infer::ExportMeta& meta, const infer::Int8Record& record,
                      const std::string& path) {
  torch::jit::ExtraFilesMap extra{{"meta.json", infer::meta_to_json(meta)},
                                  {infer::kInt8RecordName, infer::int8_record_to_json(record)}};
  save_sealed_script(module, extra, path);
}

torch::Tensor row_cosines(const torch::Tensor& a, const torch::Tensor& b) {
  const auto x = a.to(torch::kDouble), y = b.to(torch::kDouble);
  return (x * y).sum(1) / (x.norm(2, 1) * y.norm(2, 1)).clamp_min(1e-12);
}

torch::Tensor embed_all(const InferenceFn& forward, const torch::Tensor& images, int64_t batch_size) {
  std::vector<torch::Tensor> out;
  for (int64_t i = 0; i < images.size(0); i += batch_size)
    out.push_back(forward(images.slice(0, i, std::min(images.size(0), i + batch_size))));
  return torch::cat(out);
}

std::vector<Sensitivity> layer_sensitivity(const models::Graph& graph, const std::vector<QParams>& qparams,
                                           const std::vector<std::string>& layers, const torch::Tensor& images,
                                           const torch::Tensor& fp32) {
  std::set<std::string> all;
  for (const auto& op : graph.ops)
    if (has_int8_weights(op)) all.insert(op.name);
  std::vector<Sensitivity> rows;
  for (size_t k = 0; k < layers.size(); ++k) {
    auto keep = all;
    keep.erase(layers[k]);
    const auto m = to_int8_module(graph, qparams, keep);
    const auto cos = row_cosines(embed_all(infer::int8_inference_fn(m.module), images), fp32);
    rows.push_back({layers[k], cos.mean().item<double>(), cos.min().item<double>()});
    spdlog::info("[quantize] sensitivity {}/{}: {} alone in int8: mean cosine {:.5f}", k + 1, layers.size(), layers[k],
                 rows.back().mean_cosine);
  }
  std::stable_sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.mean_cosine < b.mean_cosine; });
  return rows;
}

}  // namespace facenet::quantize
