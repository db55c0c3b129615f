#pragma once
// An insightface pack (pack.h) as a dataset Source.
#include <memory>
#include <string>
#include <vector>

#include "facenet/data/pack.h"
#include "facenet/data/source_registry.h"

namespace facenet::data {

/// The pack's images in the reader's order (by label, then record key), identities named by
/// their label number ("0", "1", ...), names "<train.rec>#<record key>".
class PackSource : public Source {
 public:
  explicit PackSource(std::shared_ptr<const PackReader> reader);

  const PackReader& reader() const { return *reader_; }

  const std::vector<std::string>& identities() const override { return identities_; }
  int64_t size() const override { return reader_->num_images(); }
  int64_t label(int64_t item) const override { return reader_->label(item); }
  std::string name(int64_t item) const override { return reader_->describe(item); }
  std::string bytes(int64_t item) const override { return reader_->read_image(item); }

 private:
  std::shared_ptr<const PackReader> reader_;
  std::vector<std::string> identities_;
};

/// Opens the pack at `path` (its folder or its .rec file). Throws facenet::Error.
std::shared_ptr<const PackSource> open_pack(const std::string& path);

/// "pack": data.rec, or a data.root that is a pack (is_pack).
SourceKind pack_source_kind();

}  // namespace facenet::data
