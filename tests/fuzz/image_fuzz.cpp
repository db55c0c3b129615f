// Image decoding through the pipeline: decode_image (OpenCV, with the truncated-JPEG check),
// then preprocessing as evaluation and training do. The first byte picks the preprocessing.
#include <cstddef>
#include <cstdint>

#include <opencv2/core.hpp>

#include "facenet/core/config.h"
#include "facenet/core/error.h"
#include "facenet/data/image_io.h"
#include "facenet/data/preprocess.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static bool init = (facenet::fuzz::quiet_logs(), cv::setNumThreads(1), true);
  (void)init;
  if (size < 1) return 0;
  const uint8_t mode = data[0];
  try {
    cv::Mat bgr;
    std::string reason;
    if (!facenet::data::decode_image(data + 1, size - 1, bgr, &reason)) {
      if (reason.empty()) __builtin_trap();  // a failure always says why
      return 0;
    }
    if (bgr.empty() || bgr.type() != CV_8UC3) __builtin_trap();
    // Images past a few megapixels only cost time here; the decoder already ran on them.
    if (static_cast<double>(bgr.rows) * bgr.cols > 4e6) return 0;
    facenet::PreprocessConfig config;
    config.image_size = 16 + (mode & 0x3f);
    config.center_crop = (mode & 0x40) ? config.image_size + 8 : 0;
    config.resize = (mode & 0x80) ? facenet::ResizeMode::Letterbox : facenet::ResizeMode::Resize;
    auto t = facenet::data::preprocess_image(bgr, config, mode & 1);
    if (t.dim() != 3 || t.size(1) != config.image_size) __builtin_trap();
    facenet::AugmentConfig aug_config;
    aug_config.crop_scale = 0.2;
    aug_config.rotation = 10;
    aug_config.color_jitter = 0.3;
    auto aug = facenet::data::draw_augmentation(aug_config, mode);
    std::vector<float> out(3 * config.image_size * config.image_size);
    facenet::data::preprocess_into(bgr, config, &aug, out.data());
  } catch (const facenet::Error&) {
  }
  return 0;
}
