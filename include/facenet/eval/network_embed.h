#pragma once
// The evaluator's embedding function for a FaceNet network: preprocess with the
// checkpoint's spec, run in eval mode without gradients.
#include "facenet/core/config.h"
#include "facenet/eval/evaluator.h"
#include "facenet/models/facenet.h"

namespace facenet::eval {

/// An EmbedFn over `model` (switched to eval mode per call, restored afterwards).
EmbedFn network_embed_fn(models::FaceNet model, const PreprocessConfig& preprocess, int threads = 0);

}  // namespace facenet::eval
