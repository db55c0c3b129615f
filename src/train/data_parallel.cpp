#include "facenet/train/data_parallel.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <string>

#include "facenet/core/error.h"

namespace facenet::train {

losses::LossOutput DataParallel::loss(losses::Objective& objective, const torch::Tensor& prelogits,
                                      const torch::Tensor& embeddings, const torch::Tensor& labels,
                                      bool gather) const {
  if (!dist_ || !gather) return objective.compute(prelogits, embeddings, labels);
  const auto layout = objective.layout();
  auto all_embeddings = dist_->all_gather(embeddings);
  auto all_labels = dist_->all_gather(labels);
  if (layout == losses::BatchLayout::Thirds) {
    // Process blocks [a0 p0 n0 | a1 p1 n1 ...] back to the global [a0 a1 .. | p0 p1 .. | n0 n1 ..].
    const int64_t b = labels.size(0), third = b / 3;
    std::vector<int64_t> order;
    for (int64_t part = 0; part < 3; ++part)
      for (int64_t r = 0; r < world(); ++r)
        for (int64_t i = 0; i < third; ++i) order.push_back(r * b + part * third + i);
    const auto index = torch::tensor(order, torch::dtype(torch::kInt64).device(all_embeddings.device()));
    all_embeddings = all_embeddings.index_select(0, index);
    all_labels = all_labels.index_select(0, index);
  }
  return objective.compute(prelogits, labels, all_embeddings, all_labels, layout);
}

torch::Tensor DataParallel::objective(const losses::LossOutput& loss, double triplet_weight, bool gathered) const {
  if (!dist_ || !gathered) return loss.total;
  return loss.total + double(world() - 1) * triplet_weight * loss.triplet;
}

std::vector<double> DataParallel::step_figures(std::vector<double> figures) const {
  if (!dist_) return figures;
  figures = dist_->sum(figures);
  for (std::size_t i = 1; i < figures.size(); ++i) figures[i] /= world();
  return figures;
}

StopVote DataParallel::agree(const StopVote& local) const {
  if (!dist_) return local;
  const auto agreed = dist_->max({double(local.signal), local.out_of_time ? 1.0 : 0.0, local.minutes});
  return {static_cast<int>(agreed[0]), agreed[1] > 0, agreed[2]};
}

void DataParallel::check_identical(const std::vector<torch::Tensor>& state, int64_t step) const {
  if (!dist_) return;
  const auto hash = hash_tensors(state);
  if (!dist_->same_everywhere(hash))
    throw Error("distributed training diverged: ranks hold different parameters at step " + std::to_string(step) +
                " (rank " + std::to_string(dist_->rank()) + " hash " + fmt::format("{:016x}", hash) + ")");
  spdlog::info("[dist] parameters and buffers identical on all {} processes (hash {:016x})", world(), hash);
}

}  // namespace facenet::train
