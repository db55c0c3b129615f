#pragma once
// Running an int8 module (the forward `facenet quantize` writes): the inference function the
// int8 row of the network-format table and the quantize tool both use.
#include <torch/script.h>

#include "facenet/infer/embed_fn.h"

namespace facenet::infer {

/// `module` (eval mode, quantized kernels; the oneDNN engine already selected by
/// use_int8_engine) -> (N, 3, S, S) float images -> (N, D) float embeddings. The module is
/// frozen (its packed weights become constants) when freezing succeeds; images are fed
/// channels-last, the layout oneDNN's int8 convolutions compute in.
InferenceFn int8_inference_fn(const torch::jit::Module& module);

}  // namespace facenet::infer
