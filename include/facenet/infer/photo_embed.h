#pragma once
// `facenet eval --detect`: an embedding function over uncropped photos. Each photo's faces are
// found (plan.detect), the one davidsandberg's align keeps is taken (detect::central_face), cut by
// the plan's crop rule at the network's input size and preprocessed as the model says. Scoring LFW
// pairs on the original photos this way needs no aligned copy of the set.
#include <functional>

#include "facenet/detect/crop.h"
#include "facenet/infer/embed_fn.h"
#include "facenet/infer/faces.h"
#include "facenet/infer/meta.h"

namespace facenet::infer {

struct PhotoEmbedFn {
  EmbedFn embed;
  /// The counts so far (photos, without a face, Haar fallbacks) and what was applied.
  std::function<detect::CropSummary()> summary;
};

/// Photos -> (N, D) embeddings through `forward`. Detection runs once per photo (the flipped pass
/// reuses the face found), on `threads` threads each with its own detector running LibTorch on one
/// thread (0 = all cores). A photo without a face is embedded from its centre square (logged,
/// counted); an unreadable one throws facenet::Error naming it. A missing detector model throws
/// facenet::Error here, before any embedding.
PhotoEmbedFn photo_embed_fn(InferenceFn forward, const ExportMeta& meta, const FacePlan& plan, int threads = 0);

}  // namespace facenet::infer
