#include "facenet/infer/photo_embed.h"

#include <spdlog/spdlog.h>
#include <torch/torch.h>

#include <map>
#include <mutex>
#include <opencv2/imgproc.hpp>
#include <optional>

#include "facenet/core/cores.h"
#include "facenet/core/error.h"
#include "facenet/core/parallel.h"
#include "facenet/core/runtime.h"
#include "facenet/data/image_io.h"
#include "facenet/data/preprocess.h"

namespace facenet::infer {
namespace {

struct State {
  InferenceFn forward;
  ExportMeta meta;
  FacePlan plan;
  int threads = 1;
  std::vector<detect::FaceFinder> finders;  // one per thread
  std::mutex mutex;
  std::map<std::string, std::optional<detect::Face>> found;  // per photo: its face, or none
  int64_t without_face = 0;

  /// The network input cut from `photo`: its face, found now or on an earlier pass.
  cv::Mat input(const std::string& path, const cv::Mat& photo, int worker) {
    std::optional<detect::Face> face;
    bool known = false;
    {
      std::lock_guard<std::mutex> lock(mutex);
      const auto it = found.find(path);
      if ((known = it != found.end())) face = it->second;
    }
    if (!known) {
      const auto faces = finders[static_cast<size_t>(worker)].detect(photo);
      const int pick = detect::central_face(faces, photo.size());
      if (pick >= 0) face = faces[static_cast<size_t>(pick)];
      std::lock_guard<std::mutex> lock(mutex);
      if (found.emplace(path, face).second && !face) {
        ++without_face;
        spdlog::warn("[eval] no face in '{}': its centre square is embedded", path);
      }
    }
    const int size = static_cast<int>(meta.input_size);
    if (face) return detect::crop_face(photo, *face, plan.crop, size);
    const auto box = detect::centre_box(photo.cols, photo.rows);
    cv::Mat crop;
    cv::resize(photo(cv::Rect(box.x, box.y, box.width, box.height)), crop, cv::Size(size, size), 0, 0,
               cv::INTER_LINEAR);
    return crop;
  }

  torch::Tensor embed(const std::vector<std::string>& paths, bool flipped) {
    std::vector<torch::Tensor> rows(paths.size());
    {
      IntraOpThreads one(1);  // each thread runs whole images (see IntraOpThreads)
      while (static_cast<int>(finders.size()) < threads) finders.emplace_back(plan.detect);
      parallel_for_workers(static_cast<int64_t>(paths.size()), threads, [&](int worker, int64_t i) {
        cv::Mat photo;
        data::read_image_or_throw(paths[i], photo);
        rows[i] = data::preprocess_image(input(paths[i], photo, worker), meta.preprocess, flipped);
      });
    }
    torch::NoGradGuard no_grad;
    return forward(torch::stack(rows));
  }

  detect::CropSummary summary() {
    std::lock_guard<std::mutex> lock(mutex);
    detect::CropSummary s;
    s.active = true;
    s.crop = plan.crop;
    s.size = meta.input_size;
    s.photos = static_cast<int64_t>(found.size());
    s.without_face = without_face;
    for (const auto& f : finders) s.haar_fallbacks += f.fallbacks();
    return s;
  }
};

}  // namespace

PhotoEmbedFn photo_embed_fn(InferenceFn forward, const ExportMeta& meta, const FacePlan& plan, int threads) {
  auto state = std::make_shared<State>();
  state->forward = std::move(forward);
  state->meta = meta;
  state->plan = plan;
  state->threads = resolve_cores(threads);
  state->finders.emplace_back(plan.detect);  // a missing model fails now
  PhotoEmbedFn fn;
  fn.embed = [state](const std::vector<std::string>& paths, bool flipped) { return state->embed(paths, flipped); };
  fn.summary = [state] { return state->summary(); };
  return fn;
}

}  // namespace facenet::infer
