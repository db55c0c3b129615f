// insightface / MXNet training packs: the writer and unpack.
#include "facenet/data/pack_writer.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <numeric>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "facenet/core/error.h"
#include "facenet/core/fs.h"
#include "facenet/data/image_io.h"

namespace facenet::data {
namespace fs = std::filesystem;

namespace {

constexpr double kMaxExactFloat = 16777216.0;  // 2^24: labels and record numbers are float32

int digits(int64_t n) {
  int d = 1;
  while (n >= 10) n /= 10, ++d;
  return d;
}

std::string padded(int64_t n, int width) {
  auto s = std::to_string(n);
  if (static_cast<int>(s.size()) < width) s.insert(0, width - s.size(), '0');
  return s;
}

void write_all(std::FILE* f, const std::string& s, const std::string& path) {
  if (std::fwrite(s.data(), 1, s.size(), f) != s.size()) throw Error("write error on '" + path + "'");
}

}  // namespace

std::string image_extension(const std::string& b) {
  auto starts = [&](const char* magic, std::size_t n) { return b.size() >= n && std::memcmp(b.data(), magic, n) == 0; };
  if (starts("\xFF\xD8\xFF", 3)) return ".jpg";
  if (starts("\x89PNG\r\n\x1A\n", 8)) return ".png";
  if (starts("BM", 2)) return ".bmp";
  if (starts("GIF8", 4)) return ".gif";
  if (b.size() >= 12 && starts("RIFF", 4) && std::memcmp(b.data() + 8, "WEBP", 4) == 0) return ".webp";
  if (starts("II*\0", 4) || starts("MM\0*", 4)) return ".tif";
  return ".bin";
}

PackStats write_pack(const Dataset& dataset, const std::string& out_dir, const PackOptions& options) {
  if (options.size < 0) throw Error("pack size must be >= 0 (got " + std::to_string(options.size) + ")");
  fs::create_directories(out_dir);
  const auto rec_path = (fs::path(out_dir) / "train.rec").string();
  const auto idx_path = (fs::path(out_dir) / "train.idx").string();
  const auto property_path = (fs::path(out_dir) / "property").string();
  const int64_t n_ids = dataset.num_classes();
  if (dataset.samples.empty()) throw Error("write_pack: the dataset holds no images");
  if (double(dataset.size()) + double(n_ids) + 1 >= kMaxExactFloat)
    throw Error("write_pack: more than 2^24 records cannot be numbered exactly in float32 labels");

  std::vector<int64_t> order(dataset.samples.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](int64_t a, int64_t b) { return dataset.samples[a].label < dataset.samples[b].label; });

  PackStats stats;
  stats.identities = n_ids;
  int64_t height = options.size > 0 ? options.size : options.property_height;
  int64_t width = options.size > 0 ? options.size : options.property_width;
  std::vector<std::pair<int64_t, int64_t>> ranges(static_cast<std::size_t>(n_ids), {-1, -1});

  write_atomic_with(rec_path, [&](const std::string& rec_tmp) {
    write_atomic_with(idx_path, [&](const std::string& idx_tmp) {
      recordio::RecordWriter rec(rec_tmp);
      std::FILE* idx = std::fopen(idx_tmp.c_str(), "wb");
      if (!idx) throw Error("cannot create '" + idx_tmp + "': " + std::strerror(errno));
      std::unique_ptr<std::FILE, int (*)(std::FILE*)> idx_guard(idx, &std::fclose);
      auto add = [&](int64_t key, const std::string& payload) {
        const auto at = rec.write(payload);
        write_all(idx, std::to_string(key) + "\t" + std::to_string(at) + "\n", idx_path);
      };
      auto header_payload = [](int64_t first, int64_t end) {
        recordio::IRHeader h;
        h.labels = {float(first), float(end)};
        return recordio::pack(h, "");
      };
      // Record 0 first, with placeholder labels of the same encoded size; rewritten at the end.
      add(0, header_payload(1, 1));
      int64_t key = 1;
      for (const auto i : order) {
        const auto& s = dataset.samples[static_cast<std::size_t>(i)];
        std::string bytes;
        try {
          bytes = dataset.bytes(i);
        } catch (const Error& e) {
          spdlog::warn("[pack] skipping '{}': {}", dataset.name(i), error_message(e));
          ++stats.skipped;
          continue;
        }
        if (options.size > 0 || (height == 0 && width == 0)) {
          cv::Mat img;
          std::string reason;
          if (!decode_image(bytes.data(), bytes.size(), img, &reason)) {
            if (options.size > 0) {
              spdlog::warn("[pack] skipping '{}': {}", dataset.name(i), reason);
              ++stats.skipped;
              continue;
            }
          } else if (options.size == 0) {
            height = img.rows;
            width = img.cols;
          } else if (img.rows != options.size || img.cols != options.size) {
            cv::Mat out;
            const bool shrink = img.rows > options.size || img.cols > options.size;
            cv::resize(img, out, cv::Size(int(options.size), int(options.size)), 0, 0,
                       shrink ? cv::INTER_AREA : cv::INTER_LINEAR);
            std::vector<unsigned char> buf;
            if (!cv::imencode(".jpg", out, buf, {cv::IMWRITE_JPEG_QUALITY, 95}))
              throw Error("cannot encode '" + dataset.name(i) + "' as JPEG");
            bytes.assign(buf.begin(), buf.end());
            ++stats.resized;
          }
        }
        recordio::IRHeader h;
        h.label = float(s.label);
        h.id = static_cast<uint64_t>(key);
        auto& range = ranges[static_cast<std::size_t>(s.label)];
        if (range.first < 0) range.first = key;
        range.second = key + 1;
        add(key++, recordio::pack(h, bytes));
        ++stats.images;
      }
      if (stats.images == 0) throw Error("write_pack: no readable images to write to '" + out_dir + "'");
      const int64_t first = key;
      int64_t next_start = 1;
      for (auto& range : ranges) {
        if (range.first < 0) range = {next_start, next_start};  // an identity without images: empty range
        next_start = range.second;
        recordio::IRHeader h;
        h.labels = {float(range.first), float(range.second)};
        h.id = static_cast<uint64_t>(key);
        add(key++, recordio::pack(h, ""));
      }
      rec.close();
      // The real header record: same length as the placeholder (2 float labels, no magic inside).
      const auto header = recordio::encode_record(header_payload(first, key));
      std::FILE* f = std::fopen(rec_tmp.c_str(), "r+b");
      if (!f) throw Error("cannot reopen '" + rec_tmp + "'");
      const bool ok = std::fwrite(header.data(), 1, header.size(), f) == header.size();
      if (std::fclose(f) != 0 || !ok) throw Error("write error on '" + rec_tmp + "'");
      if (std::fflush(idx) != 0 || std::ferror(idx)) throw Error("write error on '" + idx_tmp + "'");
    });
  });
  write_file_atomic(property_path,
                    std::to_string(n_ids) + "," + std::to_string(height) + "," + std::to_string(width) + "\n");
  write_pack_digest(out_dir);
  spdlog::info("[pack] {}: {} images, {} identities ({} resized, {} skipped)", out_dir, stats.images, stats.identities,
               stats.resized, stats.skipped);
  return stats;
}

int64_t unpack(const PackReader& pack, const std::string& out_dir) {
  const int label_width = digits(std::max<int64_t>(0, pack.num_identities() - 1));
  int64_t max_key = 0;
  for (int64_t i = 0; i < pack.num_images(); ++i) max_key = std::max(max_key, pack.record(i));
  const int key_width = digits(max_key);
  int64_t written = 0;
  for (int64_t i = 0; i < pack.num_images(); ++i) {
    const auto bytes = pack.read_image(i);
    const auto path = fs::path(out_dir) / padded(pack.label(i), label_width) /
                      (padded(pack.record(i), key_width) + image_extension(bytes));
    write_file_atomic(path.string(), bytes);
    ++written;
  }
  return written;
}

}  // namespace facenet::data
