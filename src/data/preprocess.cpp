#include "facenet/data/preprocess.h"

#include <torch/types.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>
#include <random>

#include "facenet/core/error.h"
#include "facenet/data/dataset.h"
#include "facenet/data/image_io.h"
#include "parallel.h"
#include "splitmix.h"

namespace facenet {
namespace {

template <class E>
E parse_enum(const nlohmann::json& j, const char* key, std::initializer_list<E> values, E fallback) {
  if (!j.contains(key)) return fallback;
  const auto text = j.at(key).get<std::string>();
  for (E v : values)
    if (to_string(v) == text) return v;
  throw Error(std::string("preprocess.") + key + ": unknown value '" + text + "'");
}

}  // namespace

void to_json(nlohmann::json& j, const PreprocessConfig& c) {
  j = nlohmann::json{{"image_size", c.image_size},
                     {"center_crop", c.center_crop},
                     {"resize", to_string(c.resize)},
                     {"normalization", to_string(c.normalization)},
                     {"channel_order", to_string(c.channel_order)}};
  if (!c.mean.empty()) j["mean"] = c.mean;  // only when set: older readers and digests see the same record
  if (!c.std_dev.empty()) j["std"] = c.std_dev;
}

void from_json(const nlohmann::json& j, PreprocessConfig& c) {
  if (!j.is_object()) throw Error("preprocess: expected a JSON object");
  PreprocessConfig d;
  try {
    c.image_size = j.value("image_size", d.image_size);
    c.center_crop = j.value("center_crop", d.center_crop);
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("preprocess: ") + error_message(e));
  }
  c.resize = parse_enum(j, "resize", {ResizeMode::Resize, ResizeMode::Letterbox}, d.resize);
  c.normalization = parse_enum(j, "normalization",
                               {Normalization::Fixed, Normalization::Unit, Normalization::Symmetric}, d.normalization);
  c.channel_order = parse_enum(j, "channel_order", {ChannelOrder::RGB, ChannelOrder::BGR}, d.channel_order);
  try {
    c.mean = j.value("mean", std::vector<double>{});
    c.std_dev = j.value("std", std::vector<double>{});
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("preprocess: mean/std: ") + error_message(e));
  }
  if (c.image_size < 1 || c.center_crop < 0) throw Error("preprocess: image_size must be >= 1 and center_crop >= 0");
  if (const auto problem = mean_std_problem(c); !problem.empty()) throw Error("preprocess." + problem);
}

namespace data {
namespace {


/// Uniform in [0, 1) from the top 53 bits (same on every standard library).
double unit(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }

}  // namespace

uint64_t sample_seed(uint64_t seed, int64_t batch_index, int64_t position) {
  return splitmix(splitmix(splitmix(seed) ^ static_cast<uint64_t>(batch_index)) ^ static_cast<uint64_t>(position));
}

Augmentation draw_augmentation(const AugmentConfig& config, uint64_t seed) {
  std::mt19937_64 rng(seed);
  // Draw every value unconditionally so enabling one option never shifts the others.
  const double u_flip = unit(rng), u_crop = unit(rng), u_x = unit(rng), u_y = unit(rng), u_rot = unit(rng),
               u_b = unit(rng), u_c = unit(rng), u_s = unit(rng);
  Augmentation a;
  a.flip = config.flip && u_flip < 0.5;
  a.crop = 1.0 - config.crop_scale * u_crop;
  a.crop_x = u_x;
  a.crop_y = u_y;
  a.angle = config.rotation * (2 * u_rot - 1);
  const auto j = static_cast<float>(config.color_jitter);
  a.brightness = 1.f + j * static_cast<float>(2 * u_b - 1);
  a.contrast = 1.f + j * static_cast<float>(2 * u_c - 1);
  a.saturation = 1.f + j * static_cast<float>(2 * u_s - 1);
  return a;
}

void resize_for_network(const cv::Mat& bgr, const PreprocessConfig& config, cv::Mat& out) {
  if (bgr.empty() || bgr.type() != CV_8UC3) throw Error("preprocess: expected a non-empty 8-bit BGR image");
  cv::Mat src = bgr;
  if (config.center_crop > 0) {
    const int cw = std::min<int>(static_cast<int>(config.center_crop), src.cols);
    const int ch = std::min<int>(static_cast<int>(config.center_crop), src.rows);
    src = src(cv::Rect((src.cols - cw) / 2, (src.rows - ch) / 2, cw, ch));
  }
  const int size = static_cast<int>(config.image_size);
  if (config.resize == ResizeMode::Resize) {
    if (src.cols == size && src.rows == size) {
      src.copyTo(out);
      return;
    }
    // Bilinear already weighs every source pixel below a 2x reduction; beyond it, area
    // averaging avoids aliasing (it costs ~5x bilinear, so only where it matters).
    const bool big_shrink = src.cols >= 2 * size && src.rows >= 2 * size;
    cv::resize(src, out, cv::Size(size, size), 0, 0, big_shrink ? cv::INTER_AREA : cv::INTER_LINEAR);
    return;
  }
  // Letterbox, as the seed: scale = min(S/w, S/h), nw = int(w*scale), paste at ((S-nw)/2, (S-nh)/2).
  const double scale = std::min(static_cast<double>(size) / src.cols, static_cast<double>(size) / src.rows);
  const int nw = std::max(1, static_cast<int>(src.cols * scale + 1e-9));
  const int nh = std::max(1, static_cast<int>(src.rows * scale + 1e-9));
  out.create(size, size, CV_8UC3);
  out.setTo(cv::Scalar(128, 128, 128));
  cv::Mat inner = out(cv::Rect((size - nw) / 2, (size - nh) / 2, nw, nh));
  if (nw == src.cols && nh == src.rows)
    src.copyTo(inner);
  else
    cv::resize(src, inner, cv::Size(nw, nh), 0, 0, cv::INTER_CUBIC);
}

ChannelNormalization channel_normalization(const PreprocessConfig& config) {
  ChannelNormalization n;
  float mean = 127.5f, stdv = 128.f;
  if (config.normalization == Normalization::Unit) mean = 0.f, stdv = 255.f;
  if (config.normalization == Normalization::Symmetric) mean = 127.5f, stdv = 127.5f;
  for (int c = 0; c < 3; ++c) {
    n.mean[c] = config.mean.empty() ? mean : static_cast<float>(config.mean[config.mean.size() == 3 ? c : 0]);
    n.stdv[c] = config.std_dev.empty() ? stdv : static_cast<float>(config.std_dev[config.std_dev.size() == 3 ? c : 0]);
  }
  return n;
}

void preprocess_into(const cv::Mat& bgr, const PreprocessConfig& config, const Augmentation* aug, float* out) {
  cv::Mat sized;
  resize_for_network(bgr, config, sized);
  const int size = sized.cols;
  if (aug && (aug->crop < 1.0 || aug->angle != 0.0)) {
    // Output pixel d maps to source C + f * R(angle) * (d - S/2): a rotated crop window of
    // side f*S centred at C, resampled back to S x S.
    const double f = aug->crop, half = size / 2.0, slack = (1.0 - f) * size;
    const double cx = slack * aug->crop_x + f * size / 2.0, cy = slack * aug->crop_y + f * size / 2.0;
    const double rad = aug->angle * CV_PI / 180.0, c = std::cos(rad) * f, s = std::sin(rad) * f;
    cv::Matx23d m(c, -s, cx - c * half + s * half, s, c, cy - s * half - c * half);
    cv::Mat warped;
    cv::warpAffine(sized, warped, m, sized.size(), cv::INTER_LINEAR | cv::WARP_INVERSE_MAP, cv::BORDER_REFLECT_101);
    sized = warped;
  }
  const auto norm = channel_normalization(config);
  float lut[3][256];  // (v - mean[c]) / std[c] for every output channel c, computed once
  for (int c = 0; c < 3; ++c)
    for (int v = 0; v < 256; ++v) lut[c][v] = (static_cast<float>(v) - norm.mean[c]) / norm.stdv[c];
  const bool flip = aug && aug->flip;
  const bool jitter = aug && (aug->brightness != 1.f || aug->contrast != 1.f || aug->saturation != 1.f);
  // Source byte offsets of output channels 0 and 2 (BGR input).
  const int first = config.channel_order == ChannelOrder::RGB ? 2 : 0, last = 2 - first;
  const std::size_t plane = static_cast<std::size_t>(size) * size;
  for (int y = 0; y < size; ++y) {
    const uint8_t* px = sized.ptr<uint8_t>(y) + (flip ? 3 * (size - 1) : 0);
    const int step = flip ? -3 : 3;
    float* o0 = out + static_cast<std::size_t>(y) * size;
    float* o1 = o0 + plane;
    float* o2 = o1 + plane;
    if (!jitter) {
      for (int x = 0; x < size; ++x, px += step) {
        o0[x] = lut[0][px[first]];
        o1[x] = lut[1][px[1]];
        o2[x] = lut[2][px[last]];
      }
      continue;
    }
    for (int x = 0; x < size; ++x, px += step) {
      // Saturation (towards grey), brightness (scale), contrast (around mid-grey), clamped.
      const float grey = 0.299f * px[2] + 0.587f * px[1] + 0.114f * px[0];
      auto adjust = [&](float v, int c) {
        v = grey + aug->saturation * (v - grey);
        v *= aug->brightness;
        v = (v - 128.f) * aug->contrast + 128.f;
        return (std::min(255.f, std::max(0.f, v)) - norm.mean[c]) / norm.stdv[c];
      };
      o0[x] = adjust(px[first], 0);
      o1[x] = adjust(px[1], 1);
      o2[x] = adjust(px[last], 2);
    }
  }
}

torch::Tensor preprocess_image(const cv::Mat& bgr, const PreprocessConfig& config, bool flip) {
  auto t = torch::empty({3, config.image_size, config.image_size}, torch::kFloat32);
  Augmentation a;
  a.flip = flip;
  preprocess_into(bgr, config, flip ? &a : nullptr, t.data_ptr<float>());
  return t;
}

namespace {

/// n images read by `read(i, mat)` on `threads` threads, preprocessed into one (n, 3, S, S) batch.
torch::Tensor preprocess_batch(int64_t n, const PreprocessConfig& config, bool flip, int threads,
                               const std::function<void(int64_t, cv::Mat&)>& read) {
  auto t = torch::empty({n, 3, config.image_size, config.image_size}, torch::kFloat32);
  float* base = t.data_ptr<float>();
  const auto stride = 3 * config.image_size * config.image_size;
  Augmentation a;
  a.flip = flip;
  parallel_for(n, threads, [&](int64_t i) {
    cv::Mat img;
    read(i, img);
    preprocess_into(img, config, flip ? &a : nullptr, base + i * stride);
  });
  return t;
}

}  // namespace

torch::Tensor load_images(const std::vector<std::string>& paths, const PreprocessConfig& config, bool flip,
                          int threads) {
  return preprocess_batch(static_cast<int64_t>(paths.size()), config, flip, threads,
                          [&](int64_t i, cv::Mat& img) { read_image_or_throw(paths[i], img); });
}

torch::Tensor decode_images(const std::vector<std::string>& encoded, const PreprocessConfig& config, bool flip,
                            int threads, const std::function<std::string(int64_t)>& name) {
  return preprocess_batch(static_cast<int64_t>(encoded.size()), config, flip, threads, [&](int64_t i, cv::Mat& img) {
    std::string reason;
    const auto& bytes = encoded[static_cast<std::size_t>(i)];
    if (!decode_image(bytes.data(), bytes.size(), img, &reason))
      throw Error("cannot decode " + (name ? name(i) : "image " + std::to_string(i)) + ": " + reason);
  });
}

torch::Tensor load_sample_images(const Dataset& dataset, const std::vector<int64_t>& indices,
                                 const PreprocessConfig& config, bool flip, int threads) {
  return preprocess_batch(static_cast<int64_t>(indices.size()), config, flip, threads, [&](int64_t i, cv::Mat& img) {
    const auto index = indices[static_cast<std::size_t>(i)];
    const auto bytes = dataset.bytes(index);
    std::string reason;
    if (!decode_image(bytes.data(), bytes.size(), img, &reason))
      throw Error("cannot decode " + dataset.name(index) + ": " + reason);
  });
}

}  // namespace data
}  // namespace facenet
