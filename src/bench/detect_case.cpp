// The MTCNN case: photos per second through the whole cascade, one photo per call as
// facenet-pytorch's MTCNN.detect(img) is used (see cases.h).
#include <fmt/format.h>
#include <torch/torch.h>

#include <algorithm>
#include <filesystem>

#include "cases.h"
#include "facenet/core/cores.h"
#include "facenet/core/error.h"
#include "facenet/data/dataset.h"
#include "facenet/data/image_io.h"
#include "facenet/detect/mtcnn.h"

namespace facenet::bench {

std::vector<std::string> detect_photos(const std::string& root, size_t count) {
  std::vector<std::string> all;
  for (const auto& e : std::filesystem::recursive_directory_iterator(root))
    if (e.is_regular_file() && data::is_image_path(e.path().string())) all.push_back(e.path().string());
  std::sort(all.begin(), all.end());
  // Every k-th photo, so that a tree of people gives many people rather than one person's photos.
  std::vector<std::string> out;
  const size_t step = std::max<size_t>(1, all.size() / count);
  for (size_t i = 0; i < all.size() && out.size() < count; i += step) out.push_back(all[i]);
  return out;
}

std::string bench_mtcnn(const BenchOptions& o, const std::string& root) {
  torch::set_num_threads(resolve_cores(o.threads));
  const auto paths = detect_photos(root, 64);
  std::vector<cv::Mat> photos;
  for (const auto& p : paths) {
    cv::Mat img;
    if (data::read_image(p, img)) photos.push_back(img);
  }
  if (photos.empty()) throw Error("bench: no readable photo under '" + root + "'");
  const detect::Mtcnn mtcnn;
  int64_t n = 0, faces = 0;
  const double per_s = rate(o, 1, 1, [&] {
    faces += static_cast<int64_t>(mtcnn.detect(photos[static_cast<size_t>(n) % photos.size()]).size());
    ++n;
  });
  return fmt::format("{};{} photos ({}x{} first), {:.2f} faces/photo, {} threads", per_s, photos.size(),
                     photos[0].cols, photos[0].rows, static_cast<double>(faces) / static_cast<double>(n),
                     resolve_cores(o.threads));
}

}  // namespace facenet::bench
