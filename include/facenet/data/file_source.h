#pragma once
// Images that are files on disk, each with an identity label: the source behind the folder
// tree (folder_source.h) and the annotation list (annotation_source.h).
#include <cstdint>
#include <string>
#include <vector>

#include "facenet/data/source.h"

namespace facenet::data {

struct ImageFile {
  std::string path;
  int64_t label = 0;
};

struct FileList {
  std::vector<std::string> identities;  ///< label -> identity name
  std::vector<ImageFile> files;         ///< ordered by label
};

class FileSource : public Source {
 public:
  /// Throws facenet::Error when a file's label has no identity.
  explicit FileSource(FileList list);

  const FileList& list() const { return list_; }
  const std::string& path(int64_t item) const { return list_.files.at(static_cast<std::size_t>(item)).path; }

  const std::vector<std::string>& identities() const override { return list_.identities; }
  int64_t size() const override { return static_cast<int64_t>(list_.files.size()); }
  int64_t label(int64_t item) const override { return list_.files.at(static_cast<std::size_t>(item)).label; }
  /// The path.
  std::string name(int64_t item) const override { return path(item); }
  /// The file's contents.
  std::string bytes(int64_t item) const override;
  /// read_image on the path (its reasons name what failed: missing, empty, truncated, ...).
  bool decode(int64_t item, cv::Mat& bgr, std::string* reason) const override;

 private:
  FileList list_;
};

}  // namespace facenet::data
