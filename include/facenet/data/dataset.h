#pragma once
// A face dataset: samples chosen from one Source (a folder tree, an annotation list, a pack,
// or a registered source), with labels 0..n-1 and the identity name of each label. Splits
// and identity filters choose other samples of the same source and renumber the labels.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "facenet/core/config.h"
#include "facenet/data/source.h"

namespace facenet::data {

struct OpenedSource;

struct Sample {
  int64_t item = 0;   ///< the image's index in the dataset's source
  int64_t label = 0;  ///< this dataset's label (index into Dataset::identities)
};

struct Dataset {
  std::shared_ptr<const Source> source;  ///< where the images are read
  std::vector<std::string> identities;   ///< label -> identity name
  std::vector<Sample> samples;           ///< ordered by label, then the source's order

  int64_t num_classes() const { return static_cast<int64_t>(identities.size()); }
  int64_t size() const { return static_cast<int64_t>(samples.size()); }
  /// Sample indices of each label (index = label).
  std::vector<std::vector<int64_t>> by_identity() const;

  /// Sample i's place in messages: its path, or "<train.rec>#<record key>" for a pack image.
  std::string name(int64_t i) const { return source->name(samples.at(static_cast<std::size_t>(i)).item); }
  /// Sample i's encoded image bytes. Throws facenet::Error.
  std::string bytes(int64_t i) const { return source->bytes(samples.at(static_cast<std::size_t>(i)).item); }
  /// Sample i as 8-bit BGR; false with `reason` set when unreadable (see Source::decode).
  bool decode(int64_t i, cv::Mat& bgr, std::string* reason) const {
    return source->decode(samples.at(static_cast<std::size_t>(i)).item, bgr, reason);
  }
};

/// Every image of `source`, with its labels and identity names.
Dataset dataset_of(std::shared_ptr<const Source> source);

/// The config's source (open_source in source_registry.h: data.annotation, else a pack from
/// data.rec or a data.root holding train.rec, else the folder tree data.root, or a registered
/// source), then data.include_identities; logs the summary. Throws facenet::Error for a
/// missing source or an empty dataset.
Dataset load_dataset(const DataConfig& config);
/// The same over a source already opened with open_source(config).
Dataset load_dataset(const OpenedSource& opened, const DataConfig& config);

struct DatasetStats {
  int64_t identities = 0;
  int64_t images = 0;
  int64_t min_per_identity = 0;
  int64_t median_per_identity = 0;
  int64_t max_per_identity = 0;
  int64_t triplet_identities = 0;  ///< identities with >= 2 images
};

DatasetStats dataset_stats(const Dataset& dataset);
/// "N identities, M images, images/identity min/median/max a/b/c, K usable for triplets".
std::string describe(const DatasetStats& stats);

/// True for jpg jpeg png bmp webp pgm ppm tif tiff (case-insensitive).
bool is_image_path(const std::string& path);

/// Identity names from a plain list (one per line) or LFW's peopleDevTrain.txt format
/// (a count line, then `Name<TAB>count` lines).
std::vector<std::string> read_identity_list(const std::string& path);

/// Keeps the named identities (unknown names are counted in the log) and renumbers labels
/// 0..n-1 in the dataset's order.
Dataset keep_identities(const Dataset& dataset, const std::vector<std::string>& names);

struct Split {
  Dataset train;
  Dataset val;
};

/// Seeded validation split. By image: round(fraction x images) images drawn at random go to
/// val, never an identity's last training image; both parts keep the full label set.
/// By identity: a `fraction` of the identities goes to val; each part is renumbered 0..n-1
/// (val identities are unseen by the classifier, for verification-style validation).
Split split_dataset(const Dataset& dataset, double fraction, SplitBy by, uint64_t seed);

}  // namespace facenet::data
