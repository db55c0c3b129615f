#include "facenet/serve/model_runner.h"

#include <spdlog/spdlog.h>
#include <torch/torch.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include <opencv2/core.hpp>

#include "facenet/data/preprocess.h"
#include "facenet/detect/crop.h"
#include "facenet/detect/detector.h"
#include "facenet/infer/faces.h"
#include "facenet/infer/gallery.h"
#include "facenet/infer/network_loader.h"
#include "facenet/serve/metrics.h"
#include "facenet/serve/request.h"

namespace facenet::serve {

namespace {
using Clock = std::chrono::steady_clock;

/// The faces one request waits for.
struct Job {
  std::mutex mutex;
  std::condition_variable done;
  std::vector<std::vector<float>> out;
  int64_t remaining = 0;
  std::string error;
};

struct Item {
  torch::Tensor input;  ///< (3, S, S)
  std::shared_ptr<Job> job;
  size_t slot = 0;
  Clock::time_point queued;
};
}  // namespace

struct ModelRunner::Impl {
  ServeConfig config;
  Metrics& metrics;
  infer::LoadedNetwork net;
  infer::FacePlan plan;
  ModelIdentity identity;

  // Detectors are not thread-safe: each request borrows one (made on demand, kept for reuse).
  mutable std::mutex finders_mutex;
  mutable std::vector<std::unique_ptr<detect::FaceFinder>> finders;

  mutable std::mutex queue_mutex;
  mutable std::condition_variable queue_cv;
  mutable std::deque<Item> queue;
  mutable int64_t arriving = 0;  ///< Arrivals counted: requests that will queue faces soon
  bool stopping = false;
  std::thread worker;

  Impl(const ServeConfig& c, Metrics& m) : config(c), metrics(m) {}

  void run() {
    torch::NoGradGuard no_grad;
    const auto max_batch = static_cast<size_t>(config.max_batch);
    const auto wait = std::chrono::microseconds(static_cast<int64_t>(config.max_wait_ms * 1000));
    for (;;) {
      std::vector<Item> batch;
      {
        std::unique_lock lock(queue_mutex);
        queue_cv.wait(lock, [&] { return stopping || !queue.empty(); });
        if (queue.empty()) return;  // stopping, nothing left
        // The first face waits up to max_wait for others to fill the batch, but only while a
        // request that will bring faces is on its way.
        const auto deadline = queue.front().queued + wait;
        while (!stopping && queue.size() < max_batch && arriving > 0 && Clock::now() < deadline)
          queue_cv.wait_until(lock, deadline);
        const size_t n = std::min(max_batch, queue.size());
        for (size_t i = 0; i < n; ++i) {
          batch.push_back(std::move(queue.front()));
          queue.pop_front();
        }
        metrics.queue_depth(static_cast<int64_t>(queue.size()));
      }
      std::vector<torch::Tensor> inputs;
      for (const auto& item : batch) inputs.push_back(item.input);
      torch::Tensor out;
      std::string error;
      try {
        out = net.forward(torch::stack(inputs)).to(torch::kFloat).contiguous();
      } catch (const std::exception& e) {
        error = e.what();
        spdlog::error("[serve] forward pass of {} faces failed: {}", batch.size(), error);
      }
      metrics.batch(static_cast<int64_t>(batch.size()));
      for (size_t i = 0; i < batch.size(); ++i) {
        auto& job = *batch[i].job;
        std::lock_guard lock(job.mutex);
        if (error.empty()) {
          const float* row = out.data_ptr<float>() + static_cast<int64_t>(i) * out.size(1);
          job.out[batch[i].slot].assign(row, row + out.size(1));
        } else {
          job.error = error;
        }
        if (--job.remaining == 0) job.done.notify_all();
      }
    }
  }
};

ModelRunner::ModelRunner(const ServeConfig& config, Metrics& metrics) : impl_(std::make_unique<Impl>(config, metrics)) {
  auto& m = *impl_;
  m.net = infer::load_network(config.model, config.dtype);
  m.plan = infer::face_plan(m.net.meta, config.detect);
  m.identity.digest = infer::model_digest(config.model);
  m.identity.backbone = to_string(m.net.meta.backbone);
  m.identity.embedding_size = m.net.meta.embedding_size;
  m.identity.input_size = m.net.meta.input_size;
  // One detector up front: a missing detector model fails at start, not at the first request.
  if (m.plan.active()) m.finders.push_back(std::make_unique<detect::FaceFinder>(m.plan.detect));
  m.worker = std::thread([this] { impl_->run(); });
  spdlog::info("[serve] model {} ({}; {}), detector {}, crop {}; batches of up to {} faces, {} ms wait",
               config.model, m.net.format, m.identity.describe(), to_string(m.plan.detect.detector),
               to_string(m.plan.crop.rule), config.max_batch, config.max_wait_ms);
}

ModelRunner::~ModelRunner() { stop(); }

void ModelRunner::stop() {
  {
    std::lock_guard lock(impl_->queue_mutex);
    impl_->stopping = true;
  }
  impl_->queue_cv.notify_all();
  if (impl_->worker.joinable()) impl_->worker.join();
}

const infer::ExportMeta& ModelRunner::meta() const { return impl_->net.meta; }
const ModelIdentity& ModelRunner::identity() const { return impl_->identity; }
std::string ModelRunner::format() const { return impl_->net.format; }
std::string ModelRunner::detector() const { return to_string(impl_->plan.detect.detector); }
std::string ModelRunner::crop_rule() const { return to_string(impl_->plan.crop.rule); }

std::vector<detect::Face> ModelRunner::detect(const cv::Mat& bgr) const {
  auto& m = *impl_;
  std::vector<detect::Face> faces;
  if (!m.plan.active()) {
    detect::Face whole;
    whole.box = cv::Rect2f(0, 0, static_cast<float>(bgr.cols), static_cast<float>(bgr.rows));
    faces.push_back(whole);
    return faces;
  }
  std::unique_ptr<detect::FaceFinder> finder;
  {
    std::lock_guard lock(m.finders_mutex);
    if (!m.finders.empty()) {
      finder = std::move(m.finders.back());
      m.finders.pop_back();
    }
  }
  if (!finder) finder = std::make_unique<detect::FaceFinder>(m.plan.detect);
  try {
    torch::NoGradGuard no_grad;
    faces = finder->detect(bgr);
  } catch (...) {
    std::lock_guard lock(m.finders_mutex);
    m.finders.push_back(std::move(finder));
    throw;
  }
  {
    std::lock_guard lock(m.finders_mutex);
    m.finders.push_back(std::move(finder));
  }
  if (static_cast<int64_t>(faces.size()) > m.config.max_faces) faces.resize(static_cast<size_t>(m.config.max_faces));
  return faces;
}

ModelRunner::Arrival::Arrival(const ModelRunner& runner) : runner_(runner) {
  std::lock_guard lock(runner_.impl_->queue_mutex);
  ++runner_.impl_->arriving;
}

ModelRunner::Arrival::~Arrival() {
  {
    std::lock_guard lock(runner_.impl_->queue_mutex);
    leave();
  }
  runner_.impl_->queue_cv.notify_all();
}

void ModelRunner::Arrival::leave() {
  if (counted_) --runner_.impl_->arriving;
  counted_ = false;
}

std::vector<std::vector<float>> ModelRunner::embed(const cv::Mat& bgr, const std::vector<detect::Face>& faces,
                                                   Arrival* arrival) const {
  auto& m = *impl_;
  if (faces.empty()) return {};
  auto job = std::make_shared<Job>();
  job->out.resize(faces.size());
  job->remaining = static_cast<int64_t>(faces.size());
  std::vector<Item> items;
  for (size_t i = 0; i < faces.size(); ++i) {
    const auto crop = detect::crop_face(bgr, faces[i], m.plan.crop, static_cast<int>(m.net.meta.input_size));
    items.push_back({data::preprocess_image(crop, m.net.meta.preprocess), job, i, Clock::now()});
  }
  {
    std::lock_guard lock(m.queue_mutex);
    if (m.stopping) throw HttpError(503, "shutting_down", "the server is shutting down");
    for (auto& item : items) m.queue.push_back(std::move(item));
    if (arrival) arrival->leave();
    m.metrics.queue_depth(static_cast<int64_t>(m.queue.size()));
  }
  m.queue_cv.notify_all();
  std::unique_lock lock(job->mutex);
  const auto timeout = std::chrono::milliseconds(static_cast<int64_t>(m.config.request_timeout_s * 1000));
  if (!job->done.wait_for(lock, timeout, [&] { return job->remaining == 0; }))
    throw HttpError(503, "timeout",
                    fmt::format("the network did not answer within {} s (--request-timeout)", m.config.request_timeout_s));
  if (!job->error.empty()) throw HttpError(500, "inference_failed", job->error);
  return job->out;
}

}  // namespace facenet::serve
