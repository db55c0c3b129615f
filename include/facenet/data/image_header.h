#pragma once
// What an encoded image says about itself before it is decoded: its format (from the magic
// bytes) and, for the formats whose header states it plainly, its size in pixels.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace facenet::data {

enum class ImageFormat { Unknown, Jpeg, Png, Bmp, WebP, Pnm, Tiff };

struct ImageHeader {
  ImageFormat format = ImageFormat::Unknown;
  /// Width and height the header claims; absent when the header is too short or damaged, or
  /// for TIFF (whose size sits in an IFD anywhere in the file; OpenCV's own 2^30-pixel cap holds).
  std::optional<uint64_t> width, height;
};

/// Reads the format and claimed size of `size` encoded bytes. Never reads past `size`.
ImageHeader read_image_header(const unsigned char* data, std::size_t size);

std::string to_string(ImageFormat format);

}  // namespace facenet::data
