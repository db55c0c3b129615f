#include "area_resample.h"

#include <cmath>
#include <cstdint>
#include <vector>

namespace facenet::detect {
namespace {

// LibTorch's adaptive pooling bins (ATen/native/AdaptivePooling.h), float division included.
int64_t start_index(int64_t a, int64_t b, int64_t c) {
  return static_cast<int64_t>(std::floor(static_cast<float>(a * b) / c));
}
int64_t end_index(int64_t a, int64_t b, int64_t c) {
  return static_cast<int64_t>(std::ceil(static_cast<float>((a + 1) * b) / c));
}

}  // namespace

void area_resample_normalised(const cv::Mat& rgb, const cv::Rect& region, int out_h, int out_w, float* out) {
  const int in_h = region.height, in_w = region.width;
  std::vector<int64_t> x0(out_w), x1(out_w);
  for (int ox = 0; ox < out_w; ++ox) {
    x0[ox] = start_index(ox, in_w, out_w);
    x1[ox] = end_index(ox, in_w, out_w);
  }
  for (int oy = 0; oy < out_h; ++oy) {
    const int64_t y0 = start_index(oy, in_h, out_h), y1 = end_index(oy, in_h, out_h);
    const auto kh = static_cast<float>(y1 - y0);
    for (int ox = 0; ox < out_w; ++ox) {
      float sum[3] = {0, 0, 0};
      for (int64_t y = y0; y < y1; ++y) {
        const uint8_t* p = rgb.ptr<uint8_t>(region.y + static_cast<int>(y)) + 3 * (region.x + x0[ox]);
        for (int64_t x = x0[ox]; x < x1[ox]; ++x, p += 3) {
          sum[0] += p[0];
          sum[1] += p[1];
          sum[2] += p[2];
        }
      }
      const auto kw = static_cast<float>(x1[ox] - x0[ox]);
      float* o = out + 3 * (static_cast<int64_t>(oy) * out_w + ox);
      for (int c = 0; c < 3; ++c) o[c] = (sum[c] / kh / kw - 127.5f) * 0.0078125f;
    }
  }
}

}  // namespace facenet::detect
