#include "facenet/losses/head.h"

namespace facenet::losses {

HeadOutput ClassifierHead::forward(const torch::Tensor& x, const torch::Tensor&) {
  auto s = scores(x);
  return {s, s};
}

}  // namespace facenet::losses
