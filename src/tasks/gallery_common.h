#pragma once
// What enroll, identify and eval-identify share (private to src/tasks): labelled image folders,
// embedding a folder into a gallery, and opening a gallery file or folder with its model.
#include <cstdint>
#include <string>
#include <vector>

#include "facenet/core/config.h"
#include "facenet/infer/gallery.h"
#include "facenet/infer/network_loader.h"
#include "facenet/tasks/detect_args.h"
#include "facenet/tasks/identify.h"

namespace facenet::tasks {

/// The images of folder/<identity>/<image> (images directly in the folder are their own identity
/// by file stem), in list_images order.
struct Labelled {
  std::vector<std::string> paths, names, identities;
};

/// Throws facenet::Error naming `what` and `folder` when it is not a folder or holds no images.
Labelled labelled_images(const std::string& folder, const std::string& what);

/// The unit-length weighted mean of rows[idx[i]] (each `dim` floats) with `weights`.
std::vector<float> unit_mean(const float* rows, const std::vector<int64_t>& idx, const std::vector<double>& weights,
                             int64_t dim);

/// Embeds a folder tree into a gallery made by `net` (one row per image, or one mean per identity).
/// With a detector each image gives its largest face (images without one are logged and left out).
infer::Gallery embed_gallery(const infer::LoadedNetwork& net, const std::string& model, const std::string& digest,
                             const Labelled& all, bool mean, int64_t batch_size, int threads,
                             const DetectArgs& detect = {});

/// `path` made absolute and normal (how a gallery records its model).
std::string absolute_path(const std::string& path);

/// A gallery file (loaded; its model checked or taken) or a folder (embedded now).
struct OpenGallery {
  infer::Gallery gallery;
  infer::LoadedNetwork net;
  std::string model;
};

/// The k nearest identities of each of `n` unit-length probes (rows of `dim` floats), nearest first:
/// eval::identity_distances over blocks of probes (bounded memory for a video's many faces), the
/// k distances recomputed in double over the identity's rows (float similarities leave ~3e-4 for
/// an identical image).
std::vector<std::vector<IdentityMatch>> rank_identities(const infer::Gallery& gallery, const float* probes, int64_t n,
                                                        int64_t k);

OpenGallery open_gallery(const std::string& model, const std::string& gallery, bool folder_means, int64_t batch_size,
                         int threads, const DetectArgs& detect, InferenceDtype dtype,
                         const PreprocessArgs& preprocess = {});

}  // namespace facenet::tasks
