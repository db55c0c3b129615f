#pragma once
// The one preprocessing path shared by training, evaluation and deployment:
// BGR image -> optional centre crop -> resize or letterbox -> (augment) -> normalise ->
// planar (3, H, W) float in the configured channel order.
#include <torch/types.h>

#include <cstdint>
#include <functional>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "facenet/core/config.h"

namespace cv {
class Mat;
}

namespace facenet {
// PreprocessConfig <-> JSON (written into every checkpoint and export):
// {"image_size":160,"center_crop":0,"resize":"resize","normalization":"fixed","channel_order":"rgb"}
// (+ "mean":[...],"std":[...] when set).
// from_json keeps the default for a missing key and throws facenet::Error on a bad value.
void to_json(nlohmann::json& j, const PreprocessConfig& c);
void from_json(const nlohmann::json& j, PreprocessConfig& c);
}  // namespace facenet

namespace facenet::data {

struct Dataset;

/// One sample's random augmentation, drawn up front so it depends only on its seed.
struct Augmentation {
  bool flip = false;
  double crop = 1.0;       ///< side of the crop window as a fraction of the image (<= 1)
  double crop_x = 0.5;     ///< window centre, as a fraction of the free range [0, 1]
  double crop_y = 0.5;
  double angle = 0.0;      ///< degrees, counter-clockwise
  float brightness = 1.f;  ///< multiplicative factors (1 = unchanged)
  float contrast = 1.f;
  float saturation = 1.f;
};

/// Draws an Augmentation from `config` with a generator seeded by `seed` alone.
Augmentation draw_augmentation(const AugmentConfig& config, uint64_t seed);

/// Seed of the sample at `position` of batch `batch_index` (splitmix of the three), so
/// augmentation is the same whatever thread handles it.
uint64_t sample_seed(uint64_t seed, int64_t batch_index, int64_t position);

/// Centre crop + resize (bilinear; area averaging when shrinking >= 2x) or letterbox (bicubic, keep aspect,
/// grey-128 padding, centred) to image_size x image_size. Input and output are 8-bit BGR.
void resize_for_network(const cv::Mat& bgr, const PreprocessConfig& config, cv::Mat& out);

/// The (x - mean[c]) / stdv[c] of each output channel c (in config.channel_order): config.mean
/// and config.std_dev when set (one value = every channel), else the normalization preset's.
struct ChannelNormalization {
  float mean[3];
  float stdv[3];
};
ChannelNormalization channel_normalization(const PreprocessConfig& config);

/// Writes the normalised planar image (3 * size * size floats) to `out`; `aug` may be null.
void preprocess_into(const cv::Mat& bgr, const PreprocessConfig& config, const Augmentation* aug, float* out);

/// One image -> (3, H, W) float tensor, no augmentation; `flip` mirrors it horizontally.
torch::Tensor preprocess_image(const cv::Mat& bgr, const PreprocessConfig& config, bool flip = false);

/// Reads and preprocesses `paths` on `threads` threads (0 = all cores) -> (N, 3, H, W).
/// Throws facenet::Error naming the first unreadable image.
torch::Tensor load_images(const std::vector<std::string>& paths, const PreprocessConfig& config, bool flip = false,
                          int threads = 0);

/// As load_images, from encoded image bytes (file contents, pack records, .bin images) decoded
/// with decode_image. `name(i)` names image i in the error for one that does not decode
/// (default "image <i>").
torch::Tensor decode_images(const std::vector<std::string>& encoded, const PreprocessConfig& config, bool flip = false,
                            int threads = 0, const std::function<std::string(int64_t)>& name = {});

/// Samples `indices` of `dataset` (read through its source: files, pack records, ...), preprocessed
/// as load_images does -> (N, 3, H, W).
torch::Tensor load_sample_images(const Dataset& dataset, const std::vector<int64_t>& indices,
                                 const PreprocessConfig& config, bool flip = false, int threads = 0);

}  // namespace facenet::data
