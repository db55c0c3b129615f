#include "facenet/data/align.h"

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
#include <opencv2/objdetect.hpp>

#include "facenet/core/error.h"
#include "facenet/core/fs.h"
#include "facenet/data/dataset.h"
#include "facenet/data/image_io.h"
#include "parallel.h"

namespace facenet::data {
namespace fs = std::filesystem;

Box margin_box(const Box& face, int64_t margin, int w, int h) {
  const int half = static_cast<int>(margin / 2);
  const int x0 = std::max(face.x - half, 0), y0 = std::max(face.y - half, 0);
  const int x1 = std::min(face.x + face.width + half, w), y1 = std::min(face.y + face.height + half, h);
  return {x0, y0, std::max(0, x1 - x0), std::max(0, y1 - y0)};
}

Box centre_box(int w, int h) {
  const int side = std::min(w, h);
  return {(w - side) / 2, (h - side) / 2, side, side};
}

std::string default_haar_cascade() {
  return "/usr/share/opencv4/haarcascades/haarcascade_frontalface_default.xml";
}

namespace {

/// One detector per thread (neither OpenCV detector is safe to share).
class Detector {
 public:
  explicit Detector(const AlignOptions& o) : kind_(o.detector) {
    if (kind_ == DetectorKind::Haar) {
      const auto path = o.model.empty() ? default_haar_cascade() : o.model;
      if (!haar_.load(path))
        throw Error("cannot load the Haar cascade '" + path + "' (install Debian's opencv-data, or pass --model)");
    } else {
      if (o.model.empty()) throw Error("--detector yunet needs --model yunet.onnx");
      if (!fs::exists(o.model)) throw Error("YuNet model '" + o.model + "' does not exist");
      yunet_ = cv::FaceDetectorYN::create(o.model, "", cv::Size(320, 320), 0.8f, 0.3f, 5000);
    }
  }

  /// The largest face, if any.
  bool largest(const cv::Mat& bgr, Box& out) {
    std::vector<cv::Rect> faces;
    if (kind_ == DetectorKind::Haar) {
      cv::Mat grey;
      cv::cvtColor(bgr, grey, cv::COLOR_BGR2GRAY);
      cv::equalizeHist(grey, grey);
      const int min_side = std::max(20, std::min(bgr.cols, bgr.rows) / 10);
      haar_.detectMultiScale(grey, faces, 1.1, 4, 0, cv::Size(min_side, min_side));
    } else {
      yunet_->setInputSize(bgr.size());
      cv::Mat rows;
      yunet_->detect(bgr, rows);
      for (int i = 0; i < rows.rows; ++i)
        faces.emplace_back(cvRound(rows.at<float>(i, 0)), cvRound(rows.at<float>(i, 1)), cvRound(rows.at<float>(i, 2)),
                           cvRound(rows.at<float>(i, 3)));
    }
    if (faces.empty()) return false;
    const auto best = *std::max_element(faces.begin(), faces.end(),
                                        [](const cv::Rect& a, const cv::Rect& b) { return a.area() < b.area(); });
    out = {best.x, best.y, best.width, best.height};
    return true;
  }

 private:
  DetectorKind kind_;
  cv::CascadeClassifier haar_;
  cv::Ptr<cv::FaceDetectorYN> yunet_;
};

}  // namespace

AlignStats align_dataset(const AlignOptions& o) {
  if (!fs::is_directory(o.input)) throw Error("align: input folder '" + o.input + "' does not exist");
  if (o.output.empty()) throw Error("align: --output is required");
  if (o.size < 8 || o.margin < 0) throw Error("align: size must be >= 8 and margin >= 0");
  std::vector<fs::path> files;
  for (const auto& e : fs::recursive_directory_iterator(o.input))
    if (e.is_regular_file() && is_image_path(e.path().string())) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  const auto total = static_cast<int64_t>(files.size());
  const int threads = static_cast<int>(std::min<int64_t>(resolve_threads(o.threads), std::max<int64_t>(total, 1)));
  std::vector<std::unique_ptr<Detector>> detectors;
  for (int t = 0; t < threads; ++t) detectors.push_back(std::make_unique<Detector>(o));
  std::mutex mutex;
  std::atomic<int64_t> faces{0}, no_face{0}, centre{0}, unreadable{0}, done{0};
  const auto start = std::chrono::steady_clock::now();
  auto last_report = start;
  auto process = [&](Detector* det, int64_t i) {
    // As listed, not resolved: a symlinked image keeps its place in the output tree.
    const auto rel = files[i].lexically_relative(o.input);
    cv::Mat img;
    std::string reason;
    if (!read_image(files[i].string(), img, &reason)) {
      spdlog::warn("[align] skipping '{}': {}", files[i].string(), reason);
      ++unreadable;
    } else {
      Box box;
      bool write = true;
      if (det->largest(img, box)) {
        box = margin_box(box, o.margin, img.cols, img.rows);
        ++faces;
      } else {
        ++no_face;
        write = o.no_face == NoFaceAction::Center;
        if (write) {
          box = centre_box(img.cols, img.rows);
          ++centre;
        }
      }
      if (write && box.width > 0 && box.height > 0) {
        cv::Mat crop, resized;
        crop = img(cv::Rect(box.x, box.y, box.width, box.height));
        cv::resize(crop, resized, cv::Size(static_cast<int>(o.size), static_cast<int>(o.size)), 0, 0, cv::INTER_LINEAR);
        data::write_image((fs::path(o.output) / rel).string(), resized);
      }
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
                    fmt::format("{{\"rule\": \"margin\", \"margin\": {}, \"detector\": \"{}\", \"size\": {}, "
                                "\"no_face\": \"{}\"}}\n",
                                o.margin, o.detector == DetectorKind::Haar ? "haar" : "yunet", o.size,
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

}  // namespace facenet::data
