#include "facenet/data/image_io.h"

#include <fstream>
#include <opencv2/imgcodecs.hpp>
#include <vector>

#include "facenet/core/error.h"

namespace facenet::data {

bool read_image(const std::string& path, cv::Mat& bgr, std::string* reason) {
  auto fail = [&](const std::string& why) {
    if (reason) *reason = why;
    bgr.release();
    return false;
  };
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return fail("cannot open the file");
  const auto size = static_cast<std::size_t>(in.tellg());
  if (size == 0) return fail("empty file");
  std::vector<unsigned char> bytes(size);
  in.seekg(0);
  if (!in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(size)))
    return fail("read error");
  // libjpeg decodes a truncated JPEG into a partly grey image with only a warning; a
  // missing end-of-image marker (FF D9) near the end is the cheap, reliable sign.
  if (size >= 2 && bytes[0] == 0xFF && bytes[1] == 0xD8) {
    bool eoi = false;
    for (std::size_t i = size - 1; i >= 1 && i + 64 >= size; --i)
      if (bytes[i - 1] == 0xFF && bytes[i] == 0xD9) {
        eoi = true;
        break;
      }
    if (!eoi) return fail("truncated JPEG (no end-of-image marker)");
  }
  try {
    // Not imdecode(..., &bgr): on failure it leaves bgr's old pixels in place.
    bgr = cv::imdecode(bytes, cv::IMREAD_COLOR);
  } catch (const cv::Exception& e) {
    return fail(std::string("cannot decode: ") + e.what());
  }
  if (bgr.empty()) return fail("cannot decode the image data");
  return true;
}

void read_image_or_throw(const std::string& path, cv::Mat& bgr) {
  std::string reason;
  if (!read_image(path, bgr, &reason)) throw Error("cannot read image '" + path + "': " + reason);
}

}  // namespace facenet::data
