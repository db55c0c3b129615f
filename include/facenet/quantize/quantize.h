#pragma once
// Post-training quantization of an embedding network: calibration images in, an int8 model file
// out (infer/int8_model.h describes the file; the int8 row of the network-format table loads it).
#include <torch/types.h>

#include <set>
#include <string>
#include <vector>

#include "facenet/infer/embed_fn.h"
#include "facenet/infer/int8_model.h"
#include "facenet/infer/meta.h"
#include "facenet/quantize/int8_graph.h"

namespace facenet::quantize {

/// The fewest decodable calibration images quantize accepts: fewer cannot cover the ranges of
/// the activations (each observer would see a handful of faces).
inline constexpr int64_t kMinCalibrationImages = 16;

struct CalibrationImages {
  torch::Tensor images;             ///< (N, 3, S, S) preprocessed
  std::vector<std::string> paths;   ///< the N images used
  int64_t skipped = 0;              ///< images that did not decode (each logged)
};

/// Up to `limit` images (0 = all) under `dir` (recursive, sorted by path, every
/// data::is_image_path file), decoded and preprocessed as `preprocess` says; the model's input is
/// a face crop, so they are taken as face crops. An image that does not decode is skipped,
/// logged and counted. Throws facenet::Error naming `dir` when it is not a folder, holds no
/// image, or fewer than `min_images` decode.
CalibrationImages load_calibration_images(const std::string& dir, const PreprocessConfig& preprocess, int64_t limit,
                                          int64_t min_images = kMinCalibrationImages);

/// Calibrates `graph` on `images` (batches of `batch_size`, progress logged) with `observer`
/// and writes its int8 module with `fp32_ops` kept in fp32.
Int8Module quantize_graph(const models::Graph& graph, const torch::Tensor& images, ObserverKind observer,
                          const std::set<std::string>& fp32_ops, int64_t batch_size = 32);

/// Writes `module` with `meta` (extra/meta.json) and `record` (extra/int8.json) to `path`
/// atomically, sealed with the project's zip digest. Throws facenet::Error naming the file.
void write_int8_model(const torch::jit::Module& module, const infer::ExportMeta& meta, const infer::Int8Record& record,
                      const std::string& path);

/// Per-row cosine similarity of two (N, D) embedding sets -> (N,).
torch::Tensor row_cosines(const torch::Tensor& a, const torch::Tensor& b);

/// (N, 3, S, S) -> (N, D) through `forward` in batches of `batch_size`.
torch::Tensor embed_all(const InferenceFn& forward, const torch::Tensor& images, int64_t batch_size = 32);

/// One row of the sensitivity table: the graph with only `op` in int8 (every other convolution
/// and linear layer fp32), against the fp32 graph, on the same images.
struct Sensitivity {
  std::string op;
  double mean_cosine = 1;
  double min_cosine = 1;
};

/// Quantizes one layer at a time (the calibration's `qparams`, the same for every row) and
/// measures each against `fp32` embeddings of `images`: the layers whose own quantization costs
/// most come first. `layers` names the ops to try (each a convolution or linear layer).
std::vector<Sensitivity> layer_sensitivity(const models::Graph& graph, const std::vector<QParams>& qparams,
                                           const std::vector<std::string>& layers, const torch::Tensor& images,
                                           const torch::Tensor& fp32);

}  // namespace facenet::quantize
