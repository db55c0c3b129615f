#pragma once
// How a face task feeds a foreign ONNX model (no facenet metadata: insightface's, SFace): the
// CLI's --input-size, --input-mean, --input-std, --channel-order, --crop, --crop-margin and
// --preprocess FILE (infer/foreign.h). Empty for facenet's own models, which carry theirs.
#include "facenet/infer/foreign.h"

namespace facenet::tasks {

using PreprocessArgs = infer::PreprocessStatement;

}  // namespace facenet::tasks
