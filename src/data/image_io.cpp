#include "facenet/data/image_io.h"

#include <fmt/format.h>

#include <climits>
#include <filesystem>
#include <fstream>
#include <opencv2/imgcodecs.hpp>
#include <vector>

#include "facenet/core/error.h"
#include "facenet/core/fs.h"
#include "facenet/data/image_header.h"

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
  return decode_image(bytes.data(), bytes.size(), bgr, reason);
}

bool decode_image(const void* data, std::size_t size, cv::Mat& bgr, std::string* reason) {
  auto fail = [&](const std::string& why) {
    if (reason) *reason = why;
    bgr.release();
    return false;
  };
  if (size == 0) return fail("empty image data");
  if (size > static_cast<std::size_t>(INT_MAX)) return fail("image data larger than 2 GB");
  const auto* bytes = static_cast<const unsigned char*>(data);
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
  // OpenCV allocates the pixels a header claims before decoding them (up to 2^30, 3 GB in
  // colour): a 93-byte BMP asked for more than 2 GB (fuzz finding 8). Only the formats the
  // project reads go to OpenCV, and never one whose header claims more than the limit.
  const auto header = read_image_header(bytes, size);
  if (header.format == ImageFormat::Unknown) return fail("not a JPEG, PNG, BMP, WebP, PNM or TIFF image");
  // libjpeg cannot decode without one either; refusing here keeps the size check authoritative.
  if (header.format == ImageFormat::Jpeg && !header.width) return fail("JPEG without a frame header (SOF) before its scan");
  if (header.width && header.height && *header.width > 0 &&
      (*header.width > kMaxDecodedPixels || *header.height > kMaxDecodedPixels / *header.width))
    return fail(fmt::format("its {} header claims {} x {} pixels, more than the {} megapixels allowed",
                            to_string(header.format), *header.width, *header.height, kMaxDecodedPixels / 1000000));
  try {
    // Not imdecode(..., &bgr): on failure it leaves bgr's old pixels in place.
    const cv::Mat raw(1, static_cast<int>(size), CV_8UC1, const_cast<unsigned char*>(bytes));
    bgr = cv::imdecode(raw, cv::IMREAD_COLOR);
  } catch (const cv::Exception& e) {
    return fail(std::string("cannot decode: ") + error_message(e));
  }
  if (bgr.empty()) return fail("cannot decode the image data");
  return true;
}

void read_image_or_throw(const std::string& path, cv::Mat& bgr) {
  std::string reason;
  if (!read_image(path, bgr, &reason)) throw Error("cannot read image '" + path + "': " + reason);
}

void write_image(const std::string& path, const cv::Mat& image) {
  std::vector<uchar> bytes;
  const auto ext = std::filesystem::path(path).extension().string();
  bool encoded = false;
  try {
    encoded = !image.empty() && cv::imencode(ext, image, bytes);
  } catch (const cv::Exception& e) {
    throw Error("cannot encode image '" + path + "': " + error_message(e));
  }
  if (!encoded) throw Error("cannot encode image '" + path + "'" + (image.empty() ? " (no pixels)" : ""));
  write_file_atomic(path, std::string(bytes.begin(), bytes.end()));
}

}  // namespace facenet::data
