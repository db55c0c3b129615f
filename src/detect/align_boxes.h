#pragma once
// bounding_boxes.txt of `facenet align` (private to src/detect): davidsandberg's
// align_dataset_mtcnn lines, `<output> x1 y1 x2 y2` for each face written (the crop's source
// rectangle in the photo, whole pixels) and `<output>` alone for a photo without a face, with
// output paths relative to the output folder (so the folder can move).
#include <fstream>
#include <mutex>
#include <string>

#include "facenet/detect/crop.h"

namespace facenet::detect {

/// Appends lines to the file, each flushed at once: `facenet align` appends a face's line before
/// its image is renamed into place, so a killed run leaves no image without its line.
class BoxesFile {
 public:
  /// Opens (creates) `path` for appending; throws facenet::Error naming it when it cannot.
  explicit BoxesFile(const std::string& path);
  void face(const std::string& output, const Box& box);
  void missed(const std::string& output);

 private:
  void line(const std::string& text);
  std::string path_;
  std::mutex mutex_;
  std::ofstream out_;
};

/// Rewrites `path` (when it exists) atomically as one line per output, the last appended winning,
/// sorted by output; a face line whose image is gone from `folder` is dropped (it was appended
/// by a run killed before the image was written). Returns the faces listed.
int64_t compact_boxes_file(const std::string& path, const std::string& folder);

}  // namespace facenet::detect
