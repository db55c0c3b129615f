#include "facenet/data/file_source.h"

#include <opencv2/core.hpp>

#include "facenet/core/error.h"
#include "facenet/core/fs.h"
#include "facenet/data/image_io.h"

namespace facenet::data {

FileSource::FileSource(FileList list) : list_(std::move(list)) {
  const auto n = static_cast<int64_t>(list_.identities.size());
  for (const auto& f : list_.files)
    if (f.label < 0 || f.label >= n)
      throw Error("'" + f.path + "' has label " + std::to_string(f.label) + ", beyond the " + std::to_string(n) +
                  " identities");
}

std::string FileSource::bytes(int64_t item) const { return read_file(path(item)); }

bool FileSource::decode(int64_t item, cv::Mat& bgr, std::string* reason) const {
  return read_image(path(item), bgr, reason);
}

}  // namespace facenet::data
