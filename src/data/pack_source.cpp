#include "facenet/data/pack_source.h"

namespace facenet::data {

PackSource::PackSource(std::shared_ptr<const PackReader> reader) : reader_(std::move(reader)) {
  identities_.reserve(static_cast<std::size_t>(reader_->num_identities()));
  for (int64_t l = 0; l < reader_->num_identities(); ++l) identities_.push_back(std::to_string(l));
}

std::shared_ptr<const PackSource> open_pack(const std::string& path) {
  return std::make_shared<PackSource>(std::make_shared<PackReader>(path));
}

SourceKind pack_source_kind() {
  return {"pack",
          [](const DataConfig& config) {
            if (!config.rec.empty()) return config.rec;
            return !config.root.empty() && is_pack(config.root) ? config.root : std::string();
          },
          [](const std::string& path, const DataConfig&) -> std::shared_ptr<const Source> { return open_pack(path); }};
}

}  // namespace facenet::data
