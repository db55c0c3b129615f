// Inputs the image_fuzz harness found (tests/fuzz/crashes/image_fuzz), decoded as the harness
// does (byte 0 picks the preprocessing; the rest is the encoded image).
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <cstdint>
#include <opencv2/core.hpp>
#include <string>

#include "facenet/data/image_io.h"
#include "support/fuzz_input.h"

using namespace facenet;

namespace {

double peak_rss_mb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss / 1024.0;
}

void put_le(std::string& s, size_t at, uint32_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) s[at + i] = static_cast<char>((v >> (8 * i)) & 0xff);
}

/// A BMP header (BITMAPFILEHEADER + BITMAPINFOHEADER, 24 bits per pixel) claiming
/// `width` x `height` pixels, followed by no pixel data.
std::string bmp_header(uint32_t width, uint32_t height) {
  std::string s(54, '\0');
  s[0] = 'B';
  s[1] = 'M';
  put_le(s, 2, 54, 4);       // file size (as written; the pixels are missing)
  put_le(s, 10, 54, 4);      // pixel data offset
  put_le(s, 14, 40, 4);      // BITMAPINFOHEADER
  put_le(s, 18, width, 4);
  put_le(s, 22, height, 4);
  put_le(s, 26, 1, 2);       // planes
  put_le(s, 28, 24, 2);      // bits per pixel
  return s;
}

}  // namespace

TEST(ImageFuzzRegression, HeaderClaimingGigapixelsIsRefusedBeforeItsPixelsAreAllocated) {
  // 93 bytes whose BMP header made OpenCV allocate more than 2 GB before finding no pixels.
  const auto input = test::fuzz_input("image_fuzz", "bmp-claims-gigapixels").substr(1);
  const double before = peak_rss_mb();
  cv::Mat bgr;
  std::string reason;
  EXPECT_FALSE(data::decode_image(input.data(), input.size(), bgr, &reason));
  EXPECT_EQ(reason, "its BMP header claims 15433 x 50730 pixels, more than the 134 megapixels allowed");
  EXPECT_TRUE(bgr.empty());
  // A header just over the limit (12,000 x 12,000 = 144 megapixels, 432 MB decoded) is refused
  // the same way, before any allocation.
  const auto big = bmp_header(12000, 12000);
  EXPECT_FALSE(data::decode_image(big.data(), big.size(), bgr, &reason));
  EXPECT_EQ(reason, "its BMP header claims 12000 x 12000 pixels, more than the 134 megapixels allowed");
  EXPECT_LT(peak_rss_mb() - before, 200.0);
  // Below the limit a header-only BMP still fails (no pixels), but as a decode failure.
  const auto small = bmp_header(64, 64);
  EXPECT_FALSE(data::decode_image(small.data(), small.size(), bgr, &reason));
  EXPECT_EQ(reason.find("header claims"), std::string::npos) << reason;
  EXPECT_GT(static_cast<double>(12000) * 12000, static_cast<double>(data::kMaxDecodedPixels));
}

TEST(ImageFuzzRegression, FrameHeaderBehindStrayBytesIsStillRead) {
  // A JPEG with stray bytes between two segments, which libjpeg skips ("extraneous bytes before
  // marker") to a frame header claiming 767 megapixels: the header check had stopped at the
  // stray bytes and let OpenCV allocate 2.3 GB.
  const auto input = test::fuzz_input("image_fuzz", "jpeg-stray-bytes-before-frame-header").substr(1);
  const double before = peak_rss_mb();
  cv::Mat bgr;
  std::string reason;
  EXPECT_FALSE(data::decode_image(input.data(), input.size(), bgr, &reason));
  EXPECT_NE(reason.find("its JPEG header claims"), std::string::npos) << reason;
  EXPECT_LT(peak_rss_mb() - before, 200.0);
}

TEST(ImageFuzzRegression, SegmentLengthBelowTwoIsSkippedAsLibjpegSkipsIt) {
  // An APP0 segment whose length field reads 1: libjpeg skips nothing and reads on to a frame
  // header claiming 765 megapixels; the header check had stopped there and let OpenCV allocate.
  const auto input = test::fuzz_input("image_fuzz", "jpeg-segment-length-below-two").substr(1);
  cv::Mat bgr;
  std::string reason;
  EXPECT_FALSE(data::decode_image(input.data(), input.size(), bgr, &reason));
  EXPECT_NE(reason.find("its JPEG header claims"), std::string::npos) << reason;
  // A JPEG in which no frame header is found at all is refused without decoding.
  const std::string no_frame("\xFF\xD8\xFF\xE0\x00\x04\x00\x00\xFF\xDA\x00\x02\xFF\xD9", 14);
  EXPECT_FALSE(data::decode_image(no_frame.data(), no_frame.size(), bgr, &reason));
  EXPECT_EQ(reason, "JPEG without a frame header (SOF) before its scan");
}
