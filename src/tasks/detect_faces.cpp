#include "facenet/tasks/detect_faces.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <chrono>
#include <filesystem>
#include <opencv2/imgproc.hpp>

#include "facenet/core/error.h"
#include "facenet/core/fs.h"
#include "facenet/core/progress.h"
#include "facenet/data/image_io.h"
#include "facenet/detect/detector.h"
#include "facenet/tasks/embed_tools.h"

namespace facenet::tasks {
namespace fs = std::filesystem;

namespace {

void draw_faces(cv::Mat& canvas, const std::vector<detect::Face>& faces) {
  const int thick = std::max(1, std::min(canvas.cols, canvas.rows) / 200);
  for (size_t i = 0; i < faces.size(); ++i) {
    const auto& f = faces[i];
    cv::rectangle(canvas, cv::Rect(f.box), cv::Scalar(0, 220, 0), thick);
    cv::putText(canvas, fmt::format("{} {:.3f}", i, f.score), cv::Point(cvRound(f.box.x), cvRound(f.box.y) - 4),
                cv::FONT_HERSHEY_SIMPLEX, 0.4 * thick, cv::Scalar(0, 220, 0), thick);
    if (f.has_landmarks)
      for (const auto& p : f.landmarks) cv::circle(canvas, p, 2 * thick, cv::Scalar(0, 0, 255), cv::FILLED);
  }
}

}  // namespace

DetectFacesSummary run_detect_faces(const DetectFacesOptions& o) {
  if (o.out.empty() && o.draw.empty()) throw ConfigError("detect: give --out faces.csv and/or --draw folder");
  detect::DetectOptions options;
  options.detector = detect::parse_detector(o.detect.detector.empty() ? "mtcnn" : o.detect.detector);
  detect::apply_request(o.detect, options);
  detect::FaceFinder finder(options);
  std::vector<std::pair<std::string, std::string>> photos;
  for (const auto& input : o.inputs)
    for (auto& p : list_images(input)) photos.push_back(std::move(p));
  DetectFacesSummary s;
  s.detector = to_string(options.detector);
  std::string csv = "path,face,x,y,width,height,score,lx0,ly0,lx1,ly1,lx2,ly2,lx3,ly3,lx4,ly4\n";
  nlohmann::json json = nlohmann::json::array();
  Progress progress(static_cast<int64_t>(photos.size()));
  const size_t batch = static_cast<size_t>(std::max<int64_t>(1, o.batch_size));
  for (size_t start = 0; start < photos.size(); start += batch) {
    std::vector<cv::Mat> images;
    std::vector<size_t> which;
    for (size_t i = start; i < std::min(photos.size(), start + batch); ++i) {
      cv::Mat img;
      std::string reason;
      if (!data::read_image(photos[i].first, img, &reason)) {
        spdlog::warn("[detect] skipping '{}': {}", photos[i].first, reason);
        ++s.unreadable;
        continue;
      }
      images.push_back(img);
      which.push_back(i);
    }
    const auto t0 = std::chrono::steady_clock::now();
    const auto found = finder.detect(images);
    s.seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    for (size_t k = 0; k < which.size(); ++k) {
      const auto& name = photos[which[k]].second;
      const auto& faces = found[k];
      if (faces.empty()) {
        spdlog::warn("[detect] no face in '{}'", photos[which[k]].first);
        ++s.without_face;
      }
      nlohmann::json rows = nlohmann::json::array();
      for (size_t i = 0; i < faces.size(); ++i) {
        const auto& f = faces[i];
        csv += fmt::format("{},{},{},{},{},{},{}", name, i, f.box.x, f.box.y, f.box.width, f.box.height, f.score);
        nlohmann::json points = nlohmann::json::array();
        for (const auto& p : f.landmarks) {
          csv += f.has_landmarks ? fmt::format(",{},{}", p.x, p.y) : std::string(",,");
          if (f.has_landmarks) points.push_back({p.x, p.y});
        }
        csv += "\n";
        rows.push_back({{"box", {f.box.x, f.box.y, f.box.width, f.box.height}}, {"score", f.score}, {"landmarks", points}});
      }
      json.push_back({{"path", name}, {"faces", rows}});
      s.faces += static_cast<int64_t>(faces.size());
      if (!o.draw.empty()) {
        cv::Mat canvas = o.blank ? cv::Mat(images[k].size(), CV_8UC3, cv::Scalar::all(245)) : images[k].clone();
        draw_faces(canvas, faces);
        // Names relative to a given folder keep their place; a file given by path keeps its name.
        fs::path rel = fs::path(name);
        if (rel.is_absolute() || rel.lexically_normal().string().rfind("..", 0) == 0) rel = rel.filename();
        data::write_image((fs::path(o.draw) / rel.replace_extension(".png")).string(), canvas);
      }
    }
    s.photos += static_cast<int64_t>(which.size());
    progress.add(static_cast<int64_t>(std::min(photos.size(), start + batch) - start));
    if (progress.due())
      spdlog::info("[detect] {}/{} photos, {} faces, {:.1f} photos/s, ETA {}", progress.done(), progress.total(), s.faces,
                   progress.rate(), format_duration(progress.eta_s()));
  }
  s.haar_fallbacks = finder.fallbacks();
  if (!o.out.empty()) {
    write_file_atomic(o.out, csv);
    write_file_atomic(fs::path(o.out).replace_extension(".json").string(), json.dump(1) + "\n");
  }
  return s;
}

}  // namespace facenet::tasks
