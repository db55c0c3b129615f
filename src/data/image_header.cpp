#include "facenet/data/image_header.h"

#include <cctype>
#include <cstring>

namespace facenet::data {
namespace {

uint32_t be16(const unsigned char* p) { return uint32_t(p[0]) << 8 | p[1]; }
uint32_t be32(const unsigned char* p) { return be16(p) << 16 | be16(p + 2); }
uint32_t le16(const unsigned char* p) { return uint32_t(p[1]) << 8 | p[0]; }
uint32_t le24(const unsigned char* p) { return le16(p) | uint32_t(p[2]) << 16; }
uint32_t le32(const unsigned char* p) { return le16(p) | le16(p + 2) << 16; }

bool starts(const unsigned char* d, std::size_t n, const char* magic, std::size_t at = 0) {
  const auto len = std::strlen(magic);
  return n >= at + len && std::memcmp(d + at, magic, len) == 0;
}

void set(ImageHeader& h, uint64_t w, uint64_t hgt) {
  h.width = w;
  h.height = hgt;
}

// JPEG: the first start-of-frame segment (SOF0..SOF15 but DHT C4, JPG C8, DAC CC) holds
// precision, height, width (ITU T.81 B.2.2). Markers are found as libjpeg's reader finds them
// (jdmarker.c: stray bytes and stuffed FF 00 skipped, a segment's length - 2 bytes skipped), so
// the size read here is the one the decoder will allocate for.
void jpeg(const unsigned char* d, std::size_t n, ImageHeader& h) {
  std::size_t i = 2;
  while (i + 4 <= n) {
    // libjpeg skips stray bytes up to the next 0xFF ("extraneous bytes before marker"): so do
    // we, or a frame header behind them would go unread (fuzz finding 9).
    if (d[i] != 0xFF) {
      ++i;
      continue;
    }
    const unsigned char m = d[i + 1];
    if (m == 0xFF) { ++i; continue; }                                    // fill byte
    if (m == 0x00) { i += 2; continue; }                                 // a stuffed 0xFF: stray data
    if (m == 0x01 || (m >= 0xD0 && m <= 0xD8)) { i += 2; continue; }     // no length
    if (m == 0xDA || m == 0xD9) return;                                  // scan or end before a frame
    const uint32_t length = be16(d + i + 2);
    if (m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC) {
      if (i + 9 <= n) set(h, be16(d + i + 7), be16(d + i + 5));
      return;
    }
    // libjpeg skips length - 2 bytes after the length field, none when the length is below 2.
    i += 4 + (length >= 2 ? length - 2 : 0);
  }
}

// WebP (RIFF container): VP8X states the canvas (24-bit width-1, height-1); a lossy VP8
// keyframe 14-bit width and height after its start code; lossless VP8L 14-bit width-1, height-1.
void webp(const unsigned char* d, std::size_t n, ImageHeader& h) {
  if (starts(d, n, "VP8X", 12) && n >= 30) set(h, uint64_t(le24(d + 24)) + 1, uint64_t(le24(d + 27)) + 1);
  else if (starts(d, n, "VP8 ", 12) && n >= 30 && d[23] == 0x9d && d[24] == 0x01 && d[25] == 0x2a)
    set(h, le16(d + 26) & 0x3fff, le16(d + 28) & 0x3fff);
  else if (starts(d, n, "VP8L", 12) && n >= 25 && d[20] == 0x2f) {
    const uint32_t bits = le32(d + 21);
    set(h, (bits & 0x3fff) + 1, ((bits >> 14) & 0x3fff) + 1);
  }
}

// PNM (P1..P6): whitespace-separated width and height after the magic, '#' comments allowed.
void pnm(const unsigned char* d, std::size_t n, ImageHeader& h) {
  std::size_t i = 2;
  uint64_t values[2];
  for (auto& v : values) {
    while (i < n && (std::isspace(d[i]) || d[i] == '#')) {
      if (d[i] == '#')
        while (i < n && d[i] != '\n') ++i;
      else
        ++i;
    }
    if (i >= n || !std::isdigit(d[i])) return;
    v = 0;
    while (i < n && std::isdigit(d[i]) && v < (uint64_t{1} << 40)) v = v * 10 + (d[i++] - '0');
  }
  set(h, values[0], values[1]);
}

}  // namespace

ImageHeader read_image_header(const unsigned char* d, std::size_t n) {
  ImageHeader h;
  if (n >= 3 && d[0] == 0xFF && d[1] == 0xD8 && d[2] == 0xFF) {
    h.format = ImageFormat::Jpeg;
    jpeg(d, n, h);
  } else if (starts(d, n, "\x89PNG\r\n\x1a\n")) {
    h.format = ImageFormat::Png;
    if (n >= 24 && starts(d, n, "IHDR", 12)) set(h, be32(d + 16), be32(d + 20));
  } else if (starts(d, n, "BM")) {
    h.format = ImageFormat::Bmp;
    if (n >= 26 && le32(d + 14) == 12) set(h, le16(d + 18), le16(d + 20));  // OS/2 core header
    else if (n >= 26) {
      const auto height = static_cast<int32_t>(le32(d + 22));  // negative: stored top-down
      set(h, static_cast<uint32_t>(le32(d + 18)), height < 0 ? -int64_t(height) : int64_t(height));
    }
  } else if (starts(d, n, "RIFF") && starts(d, n, "WEBP", 8)) {
    h.format = ImageFormat::WebP;
    webp(d, n, h);
  } else if (n >= 2 && d[0] == 'P' && d[1] >= '1' && d[1] <= '6') {
    h.format = ImageFormat::Pnm;
    pnm(d, n, h);
  } else if (n >= 4 && ((d[0] == 'I' && d[1] == 'I' && d[2] == 42 && d[3] == 0) ||
                         (d[0] == 'M' && d[1] == 'M' && d[2] == 0 && d[3] == 42))) {
    h.format = ImageFormat::Tiff;
  }
  return h;
}

std::string to_string(ImageFormat format) {
  switch (format) {
    case ImageFormat::Jpeg: return "JPEG";
    case ImageFormat::Png: return "PNG";
    case ImageFormat::Bmp: return "BMP";
    case ImageFormat::WebP: return "WebP";
    case ImageFormat::Pnm: return "PNM";
    case ImageFormat::Tiff: return "TIFF";
    case ImageFormat::Unknown: break;
  }
  return "unknown";
}

}  // namespace facenet::data
