#pragma once
// Image decoding with a reason on failure (missing, unreadable, truncated, undecodable).
#include <cstddef>
#include <string>

namespace cv {
class Mat;
}

namespace facenet::data {

/// The most pixels an image may claim (2^27, 134 megapixels; 400 MB decoded): a larger JPEG,
/// PNG, BMP, WebP or PNM header is refused before any pixel is allocated.
inline constexpr std::size_t kMaxDecodedPixels = std::size_t{1} << 27;

/// Reads `path` as 8-bit BGR (grey and alpha images are converted). Returns false and sets
/// `reason` when the file cannot be read, is not a JPEG, PNG, BMP, WebP, PNM or TIFF image,
/// claims more than kMaxDecodedPixels, is a truncated JPEG (no end-of-image marker) or does
/// not decode.
bool read_image(const std::string& path, cv::Mat& bgr, std::string* reason = nullptr);

/// Decodes encoded image bytes (a file's content, a pack record) as read_image does, with the
/// same truncated-JPEG check.
bool decode_image(const void* data, std::size_t size, cv::Mat& bgr, std::string* reason = nullptr);

/// As read_image, but throws facenet::Error naming the path and the reason.
void read_image_or_throw(const std::string& path, cv::Mat& bgr);

/// Encodes `image` in the format its path's extension names (.png, .jpg, ...) and writes it
/// atomically (creating parent folders); throws facenet::Error naming the path when it cannot.
void write_image(const std::string& path, const cv::Mat& image);

}  // namespace facenet::data
