#pragma once
// Where a dataset's images come from: an indexed list of encoded images, each with an
// identity label. The folder tree and the annotation list (FileSource), the insightface pack
// (PackSource) and any source a program registers (source_registry.h) implement it; a Dataset
// selects samples of one source and the loader reads them through it.
#include <cstdint>
#include <string>
#include <vector>

namespace cv {
class Mat;
}

namespace facenet::data {

class Source {
 public:
  virtual ~Source() = default;

  /// Identity names, index = label.
  virtual const std::vector<std::string>& identities() const = 0;
  /// Number of images (items 0 .. size()-1).
  virtual int64_t size() const = 0;
  /// Item i's identity label (0 .. identities().size()-1).
  virtual int64_t label(int64_t item) const = 0;
  /// Item i in messages and bad-file lists: its path, or "<train.rec>#<record key>" for a pack.
  virtual std::string name(int64_t item) const = 0;
  /// Item i's encoded image bytes. Throws facenet::Error when they cannot be read.
  virtual std::string bytes(int64_t item) const = 0;
  /// Item i decoded as 8-bit BGR; false with `reason` set when it cannot be read or decoded.
  /// The default reads bytes() and decodes them (decode_image); a source can read more
  /// directly. Thread-safe, like every method here: the loader's workers call it at once.
  virtual bool decode(int64_t item, cv::Mat& bgr, std::string* reason) const;
};

}  // namespace facenet::data
