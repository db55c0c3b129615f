#include "facenet/core/error.h"
#include "facenet/data/loader.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <opencv2/core.hpp>

#include "facenet/data/preprocess.h"
#include "parallel.h"

namespace facenet::data {

struct BatchLoader::Slot {
  int64_t index = 0;
  std::vector<int64_t> samples;  ///< this shard's sample indices (at positions_ of the global batch)
  std::string state_before;  ///< sampler state that draws this batch
  torch::Tensor images, labels;
  int64_t pending = 0;  ///< chunks not yet done
};

BatchLoader::BatchLoader(const Dataset& dataset, BatchSampler sampler, const DataConfig& config, uint64_t seed,
                         int64_t first_index, bool augment, Shard shard)
    : dataset_(dataset),
      members_(dataset.by_identity()),
      sampler_(std::move(sampler)),
      config_(config),
      seed_(seed),
      augment_(augment),
      positions_(shard_positions(sampler_.mode(), sampler_.batch_size(), sampler_.images_per_identity(), shard.rank,
                                 shard.world)),
      next_to_schedule_(first_index) {
  // Parallelism comes from our workers; OpenCV's own thread pool would only contend.
  cv::setNumThreads(0);
  const int n = resolve_threads(config.workers);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (int64_t i = 0; i < std::max<int64_t>(1, config.prefetch); ++i) schedule();
  }
  for (int i = 0; i < n; ++i) threads_.emplace_back([this] { work(); });
}

BatchLoader::~BatchLoader() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  work_cv_.notify_all();
  for (auto& t : threads_) t.join();
}

void BatchLoader::schedule() {
  auto slot = std::make_shared<Slot>();
  slot->state_before = sampler_.state();
  const auto global = sampler_.next();
  for (const auto p : positions_) slot->samples.push_back(global[p]);
  slot->index = next_to_schedule_++;
  const auto b = static_cast<int64_t>(slot->samples.size());
  slot->images = image_buffer(b);
  slot->labels = torch::empty({b}, torch::kInt64);
  auto* labels = slot->labels.data_ptr<int64_t>();
  for (int64_t i = 0; i < b; ++i) labels[i] = dataset_.samples[slot->samples[i]].label;
  // Chunks small enough to spread one batch over all workers.
  const int64_t workers = std::max<int64_t>(1, resolve_threads(config_.workers));
  const int64_t chunk = std::max<int64_t>(1, b / (2 * workers));
  for (int64_t begin = 0; begin < b; begin += chunk) {
    tasks_.push_back({slot, begin, std::min(b, begin + chunk)});
    ++slot->pending;
  }
  slots_.push_back(slot);
  work_cv_.notify_all();
}

torch::Tensor BatchLoader::image_buffer(int64_t batch) {
  // Recycle a batch tensor the trainer has let go of (no other tensor or view holds it):
  // fresh 30 MB buffers cost a page fault per 4 kB, about a fifth of the pipeline's time.
  const auto s = config_.preprocess.image_size;
  for (auto& t : pool_)
    if (t.use_count() == 1 && t.storage().use_count() == 1 && t.size(0) == batch) return t;
  auto t = torch::empty({batch, 3, s, s}, torch::kFloat32);
  if (static_cast<int64_t>(pool_.size()) < std::max<int64_t>(1, config_.prefetch) + 3) pool_.push_back(t);
  return t;
}

void BatchLoader::work() {
  for (;;) {
    Task task;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      work_cv_.wait(lock, [this] { return stop_ || !tasks_.empty(); });
      if (stop_) return;
      task = std::move(tasks_.front());
      tasks_.pop_front();
    }
    for (int64_t p = task.begin; p < task.end; ++p) load_sample(*task.slot, p);
    std::lock_guard<std::mutex> lock(mutex_);
    if (--task.slot->pending == 0) done_cv_.notify_all();
  }
}

bool BatchLoader::try_read(int64_t sample, void* out) {
  auto& bgr = *static_cast<cv::Mat*>(out);
  const std::string name = dataset_.name(sample);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (bad_files_.count(name)) return false;
  }
  std::string reason;
  if (dataset_.decode(sample, bgr, &reason)) return true;
  std::lock_guard<std::mutex> lock(mutex_);
  if (bad_files_.insert(name).second) spdlog::warn("[data] skipping unreadable image '{}': {}", name, reason);
  return false;
}

void BatchLoader::load_sample(Slot& slot, int64_t position) {
  const auto stride = 3 * config_.preprocess.image_size * config_.preprocess.image_size;
  float* out = slot.images.data_ptr<float>() + position * stride;
  const auto idx = slot.samples[position];
  const auto label = dataset_.samples[idx].label;
  cv::Mat bgr;
  bool ok = try_read(idx, &bgr);
  if (!ok) {
    // The next readable image of the same identity, in dataset order (deterministic).
    const auto& group = members_[label];
    const auto at = std::find(group.begin(), group.end(), idx) - group.begin();
    const auto n = static_cast<int64_t>(group.size());
    for (int64_t step = 1; step < n && !ok; ++step) ok = try_read(group[(at + step) % n], &bgr);
    std::lock_guard<std::mutex> lock(mutex_);
    ++substitutions_;
  }
  if (ok) {
    try {
      Augmentation aug;
      if (augment_) aug = draw_augmentation(config_.augment, sample_seed(seed_, slot.index, positions_[position]));
      preprocess_into(bgr, config_.preprocess, augment_ ? &aug : nullptr, out);
      return;
    } catch (const std::exception& e) {
      spdlog::warn("[data] cannot preprocess '{}': {}", dataset_.name(idx), error_message(e));
    }
  } else {
    spdlog::warn("[data] no readable image of identity '{}'; using a blank image", dataset_.identities[label]);
  }
  std::fill(out, out + stride, 0.f);
}

Batch BatchLoader::next() {
  std::unique_lock<std::mutex> lock(mutex_);
  done_cv_.wait(lock, [this] { return slots_.front()->pending == 0; });
  auto slot = slots_.front();
  slots_.pop_front();
  schedule();
  return Batch{slot->images, slot->labels, slot->index, std::move(slot->samples), positions_};
}

int64_t BatchLoader::next_index() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return slots_.front()->index;
}

std::string BatchLoader::sampler_state() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return slots_.front()->state_before;
}

int64_t BatchLoader::corrupt_files() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return static_cast<int64_t>(bad_files_.size());
}

int64_t BatchLoader::substitutions() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return substitutions_;
}

}  // namespace facenet::data
