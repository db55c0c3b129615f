#include "facenet/data/source.h"

#include <opencv2/core.hpp>

#include "facenet/core/error.h"
#include "facenet/data/image_io.h"

namespace facenet::data {

bool Source::decode(int64_t item, cv::Mat& bgr, std::string* reason) const {
  try {
    const auto encoded = bytes(item);
    return decode_image(encoded.data(), encoded.size(), bgr, reason);
  } catch (const std::exception& e) {
    if (reason) *reason = error_message(e);
    bgr.release();
    return false;
  }
}

}  // namespace facenet::data
