// loss.head: cosface. s * (cos(theta) - m) on the target column (cosface_logits); m = loss.margin,
// 0.35 when unset.
#include "facenet/losses/cosine_head.h"
#include "facenet/losses/margin_heads.h"

namespace facenet::losses {

std::shared_ptr<ClassifierHead> make_cosface_head(const HeadOptions& options) {
  return std::make_shared<CosineHead>(options, options.margin.value_or(0.35), cosface_logits);
}

}  // namespace facenet::losses
