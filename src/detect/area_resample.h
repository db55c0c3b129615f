#pragma once
// torch.nn.functional.interpolate(mode="area") (adaptive average pooling), computed straight from
// an 8-bit image into a network input (private to src/detect). MTCNN resamples its pyramid levels
// and every candidate crop this way; through LibTorch each of those small calls cost more in
// dispatch and layout changes than in arithmetic.
#include <opencv2/core.hpp>

namespace facenet::detect {

/// Area-resamples `region` of the 8-bit 3-channel image `rgb` to out_h x out_w and writes
/// (value - 127.5) * 0.0078125 (MTCNN's normalisation) as float, channels last, to `out`
/// (out_h * out_w * 3 floats). The bins are LibTorch's (floor(i * in / out) to
/// ceil((i + 1) * in / out), in float as it computes them) and each mean is sum / kh / kw, so
/// the values equal adaptive_avg_pool2d's bit for bit (the sums of 8-bit values are exact).
void area_resample_normalised(const cv::Mat& rgb, const cv::Rect& region, int out_h, int out_w, float* out);

}  // namespace facenet::detect
