// read_image_header: the size each format's header states, against images OpenCV encodes and
// headers written byte by byte from the formats' specifications.
#include <gtest/gtest.h>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <string>
#include <vector>

#include "facenet/data/image_header.h"

using namespace facenet::data;

namespace {

ImageHeader header_of(const std::string& bytes) {
  return read_image_header(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
}

void expect_size(const ImageHeader& h, ImageFormat format, uint64_t w, uint64_t hgt) {
  EXPECT_EQ(h.format, format) << to_string(h.format);
  ASSERT_TRUE(h.width && h.height) << to_string(format);
  EXPECT_EQ(*h.width, w) << to_string(format);
  EXPECT_EQ(*h.height, hgt) << to_string(format);
}

}  // namespace

TEST(ImageHeader, SizesOfImagesOpenCvEncodes) {
  const cv::Mat image(23, 37, CV_8UC3, cv::Scalar(10, 200, 30));
  const std::pair<const char*, ImageFormat> formats[] = {{".jpg", ImageFormat::Jpeg}, {".png", ImageFormat::Png},
                                                         {".bmp", ImageFormat::Bmp},  {".webp", ImageFormat::WebP},
                                                         {".ppm", ImageFormat::Pnm},  {".tiff", ImageFormat::Tiff}};
  for (const auto& [ext, format] : formats) {
    std::vector<unsigned char> bytes;
    ASSERT_TRUE(cv::imencode(ext, image, bytes)) << ext;
    const auto h = read_image_header(bytes.data(), bytes.size());
    if (format == ImageFormat::Tiff) {
      EXPECT_EQ(h.format, ImageFormat::Tiff);  // size left to OpenCV
      continue;
    }
    expect_size(h, format, 37, 23);
  }
  std::vector<unsigned char> lossless;  // WebP quality above 100 is lossless (VP8L)
  ASSERT_TRUE(cv::imencode(".webp", image, lossless, {cv::IMWRITE_WEBP_QUALITY, 101}));
  expect_size(read_image_header(lossless.data(), lossless.size()), ImageFormat::WebP, 37, 23);
}

TEST(ImageHeader, HeadersWrittenByHand) {
  // JPEG: SOI, an APP0 segment of length 16, then SOF2 (progressive): precision 8, height 0x0102, width 0x0304.
  std::string jpeg("\xFF\xD8\xFF\xE0\x00\x10", 6);
  jpeg += std::string(14, 'j');
  jpeg += std::string("\xFF\xC2\x00\x11\x08\x01\x02\x03\x04", 9);
  expect_size(header_of(jpeg), ImageFormat::Jpeg, 0x0304, 0x0102);
  // A DHT (C4) segment is not a frame header.
  std::string dht("\xFF\xD8\xFF\xC4\x00\x02\xFF\xC0\x00\x11\x08\x00\x05\x00\x07", 15);
  expect_size(header_of(dht), ImageFormat::Jpeg, 7, 5);
  // PNM with a comment between the magic and the size.
  expect_size(header_of("P6\n# made by hand\n640 480\n255\n"), ImageFormat::Pnm, 640, 480);
  // BMP: OS/2 core header (16-bit sizes), and a top-down BITMAPINFOHEADER (negative height).
  std::string core(26, '\0');
  core[0] = 'B', core[1] = 'M', core[14] = 12, core[18] = 0x20, core[19] = 0x01, core[20] = 0x10;
  expect_size(header_of(core), ImageFormat::Bmp, 0x120, 0x10);
  std::string info(54, '\0');
  info[0] = 'B', info[1] = 'M', info[14] = 40, info[18] = 100;
  info[22] = '\x9c', info[23] = info[24] = info[25] = '\xff';  // -100
  expect_size(header_of(info), ImageFormat::Bmp, 100, 100);
  // WebP VP8X: canvas 24-bit width-1 and height-1.
  std::string vp8x = std::string("RIFF\0\0\0\0WEBPVP8X\x0a\0\0\0", 20) + std::string(4, '\0') +
                     std::string("\xff\x3f\x00\x40\x00\x00", 6);
  expect_size(header_of(vp8x), ImageFormat::WebP, 0x4000, 0x41);
  // Too short or unknown: no size claimed.
  EXPECT_FALSE(header_of(std::string("\x89PNG\r\n\x1a\n", 8)).width);
  EXPECT_EQ(header_of("GIF89a").format, ImageFormat::Unknown);
}
