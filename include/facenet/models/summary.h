#pragma once
// Layer-by-layer summary of a FaceNet model, like Keras' model.summary() and
// torchinfo: one row per trunk block and head layer with its real output shape
// (from a 1-image forward pass in eval mode) and parameter count, then totals.
// Torch-free so the CLI can call summary_text() directly.
#include <cstdint>
#include <string>
#include <vector>

#include "facenet/core/config.h"

namespace facenet::models {

class FaceNetImpl;

struct SummaryRow {
  std::string name;                  ///< parameter-key prefix, e.g. "backbone.stage1.0", "last_bn"
  std::string type;                  ///< block or layer kind
  std::vector<int64_t> output_shape; ///< with the batch dimension (1)
  int64_t params = 0;
};

struct ModelSummary {
  std::string title;                ///< e.g. "FaceNet (mobilenet, 128-d)"
  std::vector<int64_t> input_shape; ///< {1, 3, S, S}
  std::vector<SummaryRow> rows;     ///< their params sum to total_params
  int64_t total_params = 0;
  int64_t trainable_params = 0;
  /// Multiply-accumulates of one image through the inference graph (convolutions and linear
  /// layers: the convention of published "FLOPs" tables such as arcface_torch's flops.py).
  int64_t macs = 0;
  /// The same in published tables' convention (ptflops: + BatchNorm, activations, biases).
  int64_t ptflops = 0;
};

/// Runs one zero image of side `image_size` through `model` (eval mode, no grad;
/// the train/eval mode is restored afterwards).
ModelSummary summarize(FaceNetImpl& model, int64_t image_size);

/// The printed table; ends with "Total params: N", "Trainable params: N",
/// "Non-trainable params: N" lines, then "Multiply-adds: X G" (FLOPs = 2 x that). Numbers use thousands separators (3,338,304).
std::string format_summary(const ModelSummary& summary);

/// Builds the model from `config` and formats its summary. Throws ConfigError for bad options.
std::string summary_text(const ModelConfig& config, int64_t image_size);

/// 3338304 -> "3,338,304".
std::string with_thousands(int64_t n);

}  // namespace facenet::models
