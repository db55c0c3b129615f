#include "facenet/data/sampler.h"

#include <spdlog/spdlog.h>

#include <sstream>

#include "facenet/core/error.h"
#include "splitmix.h"

namespace facenet::data {
namespace {

constexpr const char* kStateTag = "facenet-sampler-1";

const char* mode_name(SamplingMode m) {
  switch (m) {
    case SamplingMode::Triplet: return "triplet";
    case SamplingMode::PK: return "pk";
    case SamplingMode::Sequential: return "sequential";
    case SamplingMode::Shuffled: return "shuffled";
  }
  return "?";
}


/// Unbiased draw in [0, n), identical on every standard library (unlike uniform_int_distribution).
int64_t draw(std::mt19937_64& rng, int64_t n) {
  const uint64_t un = static_cast<uint64_t>(n);
  const uint64_t limit = UINT64_MAX - UINT64_MAX % un;
  uint64_t x;
  do x = rng();
  while (x >= limit);
  return static_cast<int64_t>(x % un);
}

}  // namespace

BatchSampler::BatchSampler(const Dataset& dataset, SamplingMode mode, int64_t batch_size, uint64_t seed,
                           int64_t images_per_identity)
    : mode_(mode), batch_size_(batch_size), k_(images_per_identity), seed_(seed), rng_(seed) {
  if (batch_size < 1) throw Error("batch size must be >= 1");
  if (dataset.samples.empty()) throw Error("cannot sample batches from an empty dataset");
  members_ = dataset.by_identity();
  for (const auto& s : dataset.samples) labels_.push_back(s.label);
  for (std::size_t id = 0; id < members_.size(); ++id) {
    if (!members_[id].empty()) nonempty_ids_.push_back(static_cast<int64_t>(id));
    if (members_[id].size() >= 2) pair_ids_.push_back(static_cast<int64_t>(id));
  }
  const auto singles = nonempty_ids_.size() - pair_ids_.size();
  if (mode == SamplingMode::Triplet) {
    if (batch_size % 3 != 0) throw Error("triplet batches need a batch size that is a multiple of 3, got " + std::to_string(batch_size));
    if (pair_ids_.empty() || nonempty_ids_.size() < 2)
      throw Error("triplet sampling needs an identity with >= 2 images and at least 2 identities");
    if (singles)
      spdlog::info("[data] triplet sampling: {} identities with < 2 images are never anchors (only negatives)", singles);
  } else if (mode == SamplingMode::PK) {
    if (k_ < 1 || batch_size % k_ != 0)
      throw Error("P x K batches need a batch size (" + std::to_string(batch_size) +
                  ") that is a multiple of K (" + std::to_string(k_) + ")");
    const auto p = batch_size / k_;
    if (static_cast<int64_t>(pair_ids_.size()) < p)
      throw Error("P x K sampling needs P = " + std::to_string(p) + " identities with >= 2 images, the dataset has " +
                  std::to_string(pair_ids_.size()));
    if (singles) spdlog::info("[data] P x K sampling: left out {} identities with < 2 images", singles);
  }
}

BatchSampler BatchSampler::from_config(const Dataset& dataset, const DataConfig& config, int64_t batch_size,
                                       uint64_t seed, bool classifier_only) {
  SamplingMode mode = config.sampler == SamplerKind::PK ? SamplingMode::PK : SamplingMode::Triplet;
  if (classifier_only) mode = SamplingMode::Shuffled;
  return BatchSampler(dataset, mode, batch_size, seed, config.images_per_identity);
}

int64_t BatchSampler::uniform(int64_t n) { return draw(rng_, n); }

std::vector<int64_t> BatchSampler::next() {
  std::vector<int64_t> out;
  switch (mode_) {
    case SamplingMode::Triplet: out = next_triplets(); break;
    case SamplingMode::PK: out = next_pk(); break;
    default: out = next_epochwise(); break;
  }
  ++drawn_;
  return out;
}

std::vector<int64_t> BatchSampler::next_triplets() {
  const int64_t n = batch_size_ / 3;
  std::vector<int64_t> out(batch_size_);
  for (int64_t t = 0; t < n; ++t) {
    const auto id = pair_ids_[uniform(static_cast<int64_t>(pair_ids_.size()))];
    const auto& imgs = members_[id];
    const auto count = static_cast<int64_t>(imgs.size());
    // Two distinct images (the seed draws with replacement, which can give anchor == positive).
    const auto a = uniform(count);
    auto p = uniform(count - 1);
    if (p >= a) ++p;
    int64_t neg_id;
    do neg_id = nonempty_ids_[uniform(static_cast<int64_t>(nonempty_ids_.size()))];
    while (neg_id == id);
    const auto& negs = members_[neg_id];
    out[t] = imgs[a];
    out[n + t] = imgs[p];
    out[2 * n + t] = negs[uniform(static_cast<int64_t>(negs.size()))];
  }
  return out;
}

std::vector<int64_t> BatchSampler::next_pk() {
  const int64_t p = batch_size_ / k_;
  std::vector<int64_t> ids = pair_ids_;
  std::vector<int64_t> out;
  out.reserve(batch_size_);
  for (int64_t i = 0; i < p; ++i) {
    // Partial Fisher-Yates: P distinct identities.
    std::swap(ids[i], ids[i + uniform(static_cast<int64_t>(ids.size()) - i)]);
    std::vector<int64_t> imgs = members_[ids[i]];
    const auto count = static_cast<int64_t>(imgs.size());
    for (int64_t j = 0; j < k_; ++j) {
      if (j < count) {
        std::swap(imgs[j], imgs[j + uniform(count - j)]);
        out.push_back(imgs[j]);
      } else {  // fewer than K images: every image once, then with replacement
        out.push_back(imgs[uniform(count)]);
      }
    }
  }
  return out;
}

std::vector<int64_t> BatchSampler::next_epochwise() {
  const auto n = static_cast<int64_t>(labels_.size());
  std::vector<int64_t> out;
  out.reserve(batch_size_);
  for (int64_t i = 0; i < batch_size_; ++i, ++cursor_) {
    const auto e = cursor_ / n, pos = cursor_ % n;
    if (mode_ == SamplingMode::Sequential) {
      out.push_back(pos);
      continue;
    }
    if (e != permutation_epoch_) {
      std::mt19937_64 epoch_rng(splitmix(seed_ ^ splitmix(static_cast<uint64_t>(e))));
      permutation_.resize(n);
      for (int64_t j = 0; j < n; ++j) permutation_[j] = j;
      for (int64_t j = n - 1; j > 0; --j) std::swap(permutation_[j], permutation_[draw(epoch_rng, j + 1)]);
      permutation_epoch_ = e;
    }
    out.push_back(permutation_[pos]);
  }
  return out;
}

std::string BatchSampler::state() const {
  std::ostringstream out;
  out << kStateTag << " " << mode_name(mode_) << " " << batch_size_ << " " << k_ << " " << labels_.size() << " "
      << seed_ << " " << drawn_ << " " << cursor_ << " " << rng_;
  return out.str();
}

void BatchSampler::restore(const std::string& state, bool any_batch_size) {
  std::istringstream in(state);
  std::string tag, mode;
  int64_t batch = 0, k = 0, drawn = 0, cursor = 0;
  std::size_t n = 0;
  uint64_t seed = 0;
  std::mt19937_64 rng;
  in >> tag >> mode >> batch >> k >> n >> seed >> drawn >> cursor >> rng;
  if (!in || tag != kStateTag) throw Error("sampler state is unreadable (expected '" + std::string(kStateTag) + " ...')");
  if (mode != mode_name(mode_) || (batch != batch_size_ && !any_batch_size) || k != k_ || n != labels_.size())
    throw Error("sampler state is for mode " + mode + ", batch " + std::to_string(batch) + ", K " + std::to_string(k) +
                ", " + std::to_string(n) + " images; this sampler has mode " + mode_name(mode_) + ", batch " +
                std::to_string(batch_size_) + ", K " + std::to_string(k_) + ", " + std::to_string(labels_.size()) +
                " images");
  seed_ = seed;
  drawn_ = drawn;
  cursor_ = cursor;
  rng_ = rng;
  permutation_epoch_ = -1;
}

std::vector<int64_t> shard_positions(SamplingMode mode, int64_t global_batch, int64_t k, int rank, int world) {
  if (world < 1 || rank < 0 || rank >= world) throw Error("shard: rank " + std::to_string(rank) + " of " + std::to_string(world));
  // Units that must stay together on one rank: a triplet's slot in each third, an identity's K images.
  const int64_t unit = mode == SamplingMode::PK ? k : 1;
  const int64_t parts = mode == SamplingMode::Triplet ? 3 : 1;
  const int64_t units = global_batch / parts / unit;
  if (global_batch % (parts * unit) != 0 || units % world != 0)
    throw Error("a global batch of " + std::to_string(global_batch) + " in " + mode_name(mode) +
                " mode does not split evenly over " + std::to_string(world) + " processes");
  const int64_t part_size = global_batch / parts, share = units / world * unit;
  std::vector<int64_t> out;
  out.reserve(global_batch / world);
  for (int64_t part = 0; part < parts; ++part)
    for (int64_t i = 0; i < share; ++i) out.push_back(part * part_size + rank * share + i);
  return out;
}

}  // namespace facenet::data
