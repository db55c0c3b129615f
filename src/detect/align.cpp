#include "facenet/detect/align.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <nlohmann/json.hpp>
#include <opencv2/imgproc.hpp>

#include "align_boxes.h"
#include "facenet/core/cores.h"
#include "facenet/core/error.h"
#include "facenet/core/fs.h"
#include "facenet/core/parallel.h"
#include "facenet/core/progress.h"
#include "facenet/core/runtime.h"
#include "facenet/data/dataset.h"
#include "facenet/data/image_io.h"
#include "facenet/detect/crop.h"

namespace facenet::detect {
namespace fs = std::filesystem;
namespace {

struct Job {
  fs::path input;
  std::string output;  ///< relative to the output folder
};

// The crop rule of this run: align.json, the data.crop to train with on the output.
nlohmann::ordered_json record(const AlignOptions& o) {
  return {{"rule", to_string(o.rule)},
          {"margin", o.margin},
          {"detector", to_string(o.detect.detector)},
          {"size", o.size},
          {"no_face", o.no_face == NoFaceAction::Skip ? "skip" : "center"}};
}

// A resumed run must crop as the first did, or the tree would mix two crops.
void write_record(const AlignOptions& o) {
  const auto path = (fs::path(o.output) / "align.json").string();
  const auto wanted = record(o);
  if (fs::exists(path)) {
    nlohmann::json found;
    try {
      found = nlohmann::json::parse(read_file(path));
    } catch (const nlohmann::json::exception& e) {
      throw Error("align: '" + path + "' is not JSON (" + e.what() + ")");
    }
    if (found != nlohmann::json::parse(wanted.dump()))
      throw Error("align: '" + o.output + "' was aligned with " + found.dump() + "; this run asks for " +
                  wanted.dump() + " (use the same options to resume, or another --output)");
  }
  write_file_atomic(path, wanted.dump() + "\n");
}

class Aligner {
 public:
  Aligner(const AlignOptions& o, int64_t todo)
      : o_(o), boxes_((fs::path(o.output) / "bounding_boxes.txt").string()), progress_(todo) {
    crop_.rule = o.rule;
    crop_.margin = o.margin;
    crop_.detector = o.detect.detector;
  }

  /// Decodes job's image into `img`; false (counted, logged) when it cannot.
  bool read(const Job& job, cv::Mat& img) {
    std::string reason;
    if (data::read_image(job.input.string(), img, &reason)) return true;
    spdlog::warn("[align] skipping '{}': {}", job.input.string(), reason);
    ++unreadable_;
    return false;
  }

  /// Crops the face central_face picks (or the centre, or nothing) and writes it: the boxes line
  /// first, then the image, atomically.
  void finish(const Job& job, const cv::Mat& img, const std::vector<Face>& faces) {
    const auto path = (fs::path(o_.output) / job.output).string();
    const int pick = central_face(faces, img.size());
    const int size = static_cast<int>(o_.size);
    if (pick >= 0) {
      const auto& face = faces[static_cast<size_t>(pick)];
      const auto crop = crop_face(img, face, crop_, size);
      boxes_.face(job.output, crop_box(img, face, crop_, size));
      data::write_image(path, crop);
      ++faces_;
      return;
    }
    ++no_face_;
    spdlog::warn("[align] no face in '{}'", job.input.string());
    boxes_.missed(job.output);
    if (o_.no_face != NoFaceAction::Center) return;
    const Box box = centre_box(img.cols, img.rows);
    cv::Mat crop;
    cv::resize(img(cv::Rect(box.x, box.y, box.width, box.height)), crop, cv::Size(size, size), 0, 0,
               cv::INTER_LINEAR);
    data::write_image(path, crop);
    ++centre_;
  }

  /// Counts `n` images done and logs the progress line when due.
  void done(int64_t n) {
    std::lock_guard<std::mutex> lock(progress_mutex_);
    progress_.add(n);
    if (!progress_.due()) return;
    spdlog::info("[align] {}/{} images, {} faces, {} without a face, {} unreadable, {:.1f} images/s, ETA {}",
                 progress_.done(), progress_.total(), faces_.load(), no_face_.load(), unreadable_.load(),
                 progress_.rate(), format_duration(progress_.eta_s()));
  }

  void into(AlignStats& s) const {
    s.faces = faces_;
    s.no_face = no_face_;
    s.centre_crops = centre_;
    s.unreadable = unreadable_;
  }

 private:
  const AlignOptions& o_;
  CropConfig crop_;
  BoxesFile boxes_;
  std::atomic<int64_t> faces_{0}, no_face_{0}, centre_{0}, unreadable_{0};
  std::mutex progress_mutex_;
  Progress progress_;
};

// One detector per thread, each running LibTorch on one thread (IntraOpThreads): MTCNN is many
// small operations, and whole images in parallel beat each operation spread over the intra-op
// pool (README, "facenet align" has the figures).
void align_per_thread(const std::vector<Job>& jobs, std::vector<FaceFinder>& finders, Aligner& a) {
  IntraOpThreads one(1);
  parallel_for_workers(static_cast<int64_t>(jobs.size()), static_cast<int>(finders.size()), [&](int t, int64_t i) {
    cv::Mat img;
    if (a.read(jobs[i], img)) a.finish(jobs[i], img, finders[t].detect(img));
    a.done(1);
  });
}

}  // namespace

AlignStats align_dataset(const AlignOptions& o) {
  if (!fs::is_directory(o.input)) throw Error("align: input folder '" + o.input + "' does not exist");
  if (o.output.empty()) throw Error("align: --output is required");
  if (o.size < 8 || o.margin < 0) throw Error("align: size must be >= 8 and margin >= 0");
  if (!o.ext.empty() && !data::is_image_path("x." + o.ext))
    throw Error("align: --ext " + o.ext + " is not an image format (png, jpg, bmp, ...)");
  DetectOptions detect = o.detect;
  detect.largest = false;  // central_face picks among all of them
  std::vector<FaceFinder> finders;
  finders.emplace_back(detect);  // a missing model fails before anything is written

  AlignStats s;
  std::vector<Job> jobs;
  for (const auto& e : fs::recursive_directory_iterator(o.input)) {
    if (!e.is_regular_file() || !data::is_image_path(e.path().string())) continue;
    // As listed, not resolved: a symlinked image keeps its place in the output tree.
    auto output = e.path().lexically_relative(o.input);
    if (!o.ext.empty()) output.replace_extension("." + o.ext);
    Job job{e.path(), output.generic_string()};
    ++s.images;
    if (fs::exists(fs::path(o.output) / job.output)) ++s.already_aligned;
    else jobs.push_back(std::move(job));
  }
  std::sort(jobs.begin(), jobs.end(), [](const Job& a, const Job& b) { return a.input < b.input; });
  fs::create_directories(o.output);
  write_record(o);
  if (const int stale = remove_stale_temporaries(o.output))
    spdlog::info("[align] removed {} partial files of a killed run", stale);
  if (s.already_aligned > 0)
    spdlog::info("[align] {} of {} images already aligned in '{}': skipped", s.already_aligned, s.images, o.output);

  const int threads = static_cast<int>(std::min<int64_t>(resolve_cores(o.threads), std::max<size_t>(jobs.size(), 1)));
  while (static_cast<int>(finders.size()) < threads) finders.emplace_back(detect);
  const auto start = std::chrono::steady_clock::now();
  std::exception_ptr error;
  {
    Aligner aligner(o, static_cast<int64_t>(jobs.size()));
    try {
      align_per_thread(jobs, finders, aligner);
    } catch (...) {
      error = std::current_exception();
    }
    aligner.into(s);
  }
  // Also after a failure: the lines of the images written so far stay, one per output.
  compact_boxes_file((fs::path(o.output) / "bounding_boxes.txt").string(), o.output);
  if (error) std::rethrow_exception(error);
  s.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  spdlog::info("[align] {} -> {}", format_stats(s, o.no_face), o.output);
  return s;
}

std::string format_stats(const AlignStats& s, NoFaceAction no_face) {
  return fmt::format("{} images: {} faces, {} without a face ({}), {} unreadable, {} already aligned; {:.1f} images/s",
                     s.images, s.faces, s.no_face, no_face == NoFaceAction::Skip ? "skipped" : "centre-cropped",
                     s.unreadable, s.already_aligned, s.rate());
}

}  // namespace facenet::detect
