#include "facenet/detect/align.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>
#include <mutex>
#include <thread>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "facenet/core/cores.h"
#include "facenet/core/error.h"
#include "facenet/core/fs.h"
#include "facenet/data/dataset.h"
#include "facenet/data/image_io.h"
#include "facenet/detect/crop.h"

namespace facenet::detect {
namespace fs = std::filesystem;

AlignStats align_dataset(const AlignOptions& o) {
  if (!fs::is_directory(o.input)) throw Error("align: input folder '" + o.input + "' does not exist");
  if (o.output.empty()) throw Error("align: --output is required");
  if (o.size < 8 || o.margin < 0) throw Error("align: size must be >= 8 and margin >= 0");
  std::vector<fs::path> files;
  for (const auto& e : fs::recursive_directory_iterator(o.input))
    if (e.is_regular_file() && data::is_image_path(e.path().string())) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  const auto total = static_cast<int64_t>(files.size());
  const int threads = static_cast<int>(std::min<int64_t>(resolve_cores(o.threads), std::max<int64_t>(total, 1)));
  DetectOptions detect = o.detect;
  detect.largest = true;
  std::vector<std::unique_ptr<FaceFinder>> detectors;
  for (int t = 0; t < threads; ++t) detectors.push_back(std::make_unique<FaceFinder>(detect));
  std::mutex mutex;
  std::atomic<int64_t> faces{0}, no_face{0}, centre{0}, unreadable{0}, done{0};
  const auto start = std::chrono::steady_clock::now();
  auto last_report = start;
  auto process = [&](FaceFinder* det, int64_t i) {
    // As listed, not resolved: a symlinked image keeps its place in the output tree.
    const auto rel = files[i].lexically_relative(o.input);
    cv::Mat img;
    std::string reason;
    if (!data::read_image(files[i].string(), img, &reason)) {
      spdlog::warn("[align] skipping '{}': {}", files[i].string(), reason);
      ++unreadable;
    } else {
      cv::Mat crop;
      const auto found = det->detect(img);
      if (!found.empty()) {
        CropConfig rule;
        rule.rule = o.rule;
        rule.margin = o.margin;
        rule.detector = detect.detector;
        crop = crop_face(img, found.front(), rule, static_cast<int>(o.size));
        ++faces;
      } else {
        ++no_face;
        if (o.no_face == NoFaceAction::Center) {
          const Box box = centre_box(img.cols, img.rows);
          cv::resize(img(cv::Rect(box.x, box.y, box.width, box.height)), crop,
                     cv::Size(static_cast<int>(o.size), static_cast<int>(o.size)), 0, 0, cv::INTER_LINEAR);
          ++centre;
        }
      }
      if (!crop.empty()) data::write_image((fs::path(o.output) / rel).string(), crop);
    }
    const auto n = ++done;
    std::lock_guard<std::mutex> lock(mutex);
    const auto now = std::chrono::steady_clock::now();
    if (now - last_report > std::chrono::seconds(2) || n == total) {
      last_report = now;
      const double secs = std::chrono::duration<double>(now - start).count();
      const double rate = secs > 0 ? n / secs : 0;
      spdlog::info("[align] {}/{} images, {:.0f} img/s, ETA {:.0f} s", n, total, rate,
                   rate > 0 ? (total - n) / rate : 0.0);
    }
  };
  std::atomic<int64_t> next{0};
  std::exception_ptr error;
  auto worker = [&](int t) {
    for (int64_t i; (i = next.fetch_add(1)) < total;) {
      try {
        process(detectors[t].get(), i);
      } catch (...) {
        std::lock_guard<std::mutex> lock(mutex);
        if (!error) error = std::current_exception();
        next = total;
      }
    }
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(worker, t);
  worker(0);
  for (auto& th : pool) th.join();
  if (error) std::rethrow_exception(error);
  // The crop rule used, for data.crop of a config that trains on this output.
  write_file_atomic((fs::path(o.output) / "align.json").string(),
                    fmt::format("{{\"rule\": \"{}\", \"margin\": {}, \"detector\": \"{}\", \"size\": {}, "
                                "\"no_face\": \"{}\"}}\n",
                                to_string(o.rule), o.margin, to_string(detect.detector), o.size,
                                o.no_face == NoFaceAction::Skip ? "skip" : "center"));
  AlignStats s;
  s.images = total;
  s.faces = faces;
  s.no_face = no_face;
  s.centre_crops = centre;
  s.unreadable = unreadable;
  spdlog::info("[align] {} images: {} faces, {} without a face ({}), {} unreadable -> {}", s.images, s.faces, s.no_face,
               o.no_face == NoFaceAction::Skip ? "skipped" : "centre-cropped", s.unreadable, o.output);
  return s;
}

}  // namespace facenet::detect
