#include "facenet/train/lr_schedule.h"

#include <algorithm>
#include <cmath>

namespace facenet::train {

double learning_rate(const TrainConfig& c, double epoch, double total_epochs) {
  const double total = total_epochs;
  const auto epoch_index = static_cast<int64_t>(std::floor(epoch));
  switch (c.schedule) {
    case ScheduleKind::Constant:
      return c.lr;
    case ScheduleKind::Step:
      return c.lr * std::pow(c.gamma, static_cast<double>(epoch_index / c.step_size));
    case ScheduleKind::MultiStep: {
      const auto passed = std::count_if(c.milestones.begin(), c.milestones.end(),
                                        [&](int64_t m) { return m <= epoch_index; });
      return c.lr * std::pow(c.gamma, static_cast<double>(passed));
    }
    case ScheduleKind::Poly: {
      // arcface_torch's PolynomialLRWarmup with its default power 1: linear warm-up (from
      // warmup_start * lr; insightface starts at 0), then a straight line down to 0 at the end.
      const double warm = std::min(c.warmup_epochs, total);
      const double start = c.warmup_start * c.lr;
      if (warm > 0 && epoch < warm) return start + (c.lr - start) * epoch / warm;
      return c.lr * std::max(0.0, 1.0 - (epoch - warm) / std::max(total - warm, 1e-9));
    }
    case ScheduleKind::Cosine: {
      // Short runs shrink warm-up and tail so the decay phase always exists.
      const double warm = std::min(c.warmup_epochs, total * 0.3);
      const double flat = std::min(c.flat_epochs, total * 0.3);
      const double start = c.warmup_start * c.lr;
      if (warm > 0 && epoch <= warm) return (c.lr - start) * std::pow(epoch / warm, 2.0) + start;
      if (epoch >= total - flat) return c.min_lr;
      const double progress = (epoch - warm) / (total - warm - flat);
      return c.min_lr + 0.5 * (c.lr - c.min_lr) * (1.0 + std::cos(M_PI * progress));
    }
  }
  return c.lr;
}

}  // namespace facenet::train
