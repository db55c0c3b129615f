// loss.head: arcface. s * cos(theta + m) on the target column (arcface_logits); m = loss.margin,
// 0.5 when unset.
#include <fmt/format.h>

#include <cmath>

#include "facenet/core/error.h"
#include "facenet/losses/cosine_head.h"
#include "facenet/losses/margin_heads.h"

namespace facenet::losses {

std::shared_ptr<ClassifierHead> make_arcface_head(const HeadOptions& options) {
  const double m = options.margin.value_or(0.5);
  if (!(m >= 0 && m < M_PI))
    throw ConfigError(fmt::format("loss.margin ({}) must be in [0, pi) for loss.head arcface", m));
  return std::make_shared<CosineHead>(options, m, arcface_logits);
}

}  // namespace facenet::losses
