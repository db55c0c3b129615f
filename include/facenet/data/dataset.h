#pragma once
// A face dataset: identities (label -> name) and the images of each.
// Sources: a folder tree root/<identity>/<image> (CASIA-WebFace, LFW layout) or an
// annotation file of `<label>;<path>` lines (the original FaceNet code's cls_train.txt).
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "facenet/core/config.h"

namespace facenet::data {

class PackReader;

struct Sample {
  std::string path;      ///< empty for a pack sample
  int64_t label = 0;
  int64_t record = -1;   ///< pack image index (see PackReader) when the dataset is a pack, else -1
};

struct Dataset {
  std::vector<std::string> identities;  ///< label -> identity name
  std::vector<Sample> samples;          ///< ordered by label, then path (packs: then record)
  /// Set when the images live in an insightface/MXNet pack (data.rec): samples then carry
  /// `record` instead of a path, and the loader reads them through this reader.
  std::shared_ptr<const PackReader> pack;

  int64_t num_classes() const { return static_cast<int64_t>(identities.size()); }
  int64_t size() const { return static_cast<int64_t>(samples.size()); }
  /// Sample indices of each label (index = label).
  std::vector<std::vector<int64_t>> by_identity() const;
};

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

struct ScanOptions {
  bool use_cache = true;
  /// Where the index goes when the root is read-only; "" = $XDG_CACHE_HOME/facenet or ~/.cache/facenet.
  std::string cache_dir;
};

/// Scans root/<identity>/<image>. Identities are numbered by byte-wise sorted folder name;
/// folders without images and non-image files are skipped; hidden entries are ignored.
/// The index is cached in <root>/.facenet_index.txt (or the cache dir when the root is
/// read-only) and reused while every identity folder's name and mtime are unchanged.
/// Throws facenet::Error naming the root when it is missing or holds no images.
Dataset scan_folder(const std::string& root, const ScanOptions& options = {});

/// Reads `<label>;<path>` lines; relative paths resolve against the file's folder; blank
/// lines and `#` comments are skipped. Identity names come from each label's first image's
/// parent folder. Throws facenet::Error naming file:line for a malformed line.
Dataset read_annotation(const std::string& path);

/// Writes `<label>;<absolute path>` lines (atomically).
void write_annotation(const Dataset& dataset, const std::string& path);

/// Identity names from a plain list (one per line) or LFW's peopleDevTrain.txt format
/// (a count line, then `Name<TAB>count` lines).
std::vector<std::string> read_identity_list(const std::string& path);

/// Keeps the named identities (unknown names are counted in the log) and renumbers labels
/// 0..n-1 in the dataset's order.
Dataset keep_identities(const Dataset& dataset, const std::vector<std::string>& names);

/// Annotation file (data.annotation), else a pack (data.rec, or a data.root folder holding
/// train.rec), else a folder tree (data.root); then data.include_identities; logs the
/// summary. Throws facenet::Error for a missing source or an empty dataset.
Dataset load_dataset(const DataConfig& config);

/// A sample's place in messages: its path, or "<train.rec>#<record key>" for a pack sample.
std::string sample_name(const Dataset& dataset, int64_t index);

/// A sample's encoded image bytes (the file, or the pack record's image). Throws facenet::Error.
std::string read_sample_bytes(const Dataset& dataset, int64_t index);

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
