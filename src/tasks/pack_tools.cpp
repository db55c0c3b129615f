#include "facenet/tasks/pack_tools.h"

#include <spdlog/spdlog.h>

#include <filesystem>

#include "facenet/core/error.h"
#include "facenet/data/dataset.h"
#include "facenet/data/pack_writer.h"

namespace facenet::tasks {

PackResult run_pack(const std::string& input, const std::string& out_dir, int64_t size) {
  if (size < 0) throw ConfigError("--size must be >= 0 (0 = keep the images as they are)");
  namespace fs = std::filesystem;
  if (!fs::exists(input)) throw ConfigError("'" + input + "' does not exist (expected a folder tree, an annotation file or a pack)");
  DataConfig data;
  data.cache_index = false;  // leave the source folder untouched
  if (data::is_pack(input)) {
    data.rec = input;
  } else if (fs::is_directory(input)) {
    data.root = input;
  } else {
    data.annotation = input;
  }
  const auto dataset = data::load_dataset(data);
  spdlog::info("[pack] {}: {} images of {} identities -> {}", input, dataset.size(), dataset.num_classes(), out_dir);
  data::PackOptions options;
  options.size = size;
  const auto stats = data::write_pack(dataset, out_dir, options);
  return {stats.images, stats.identities, stats.resized, stats.skipped};
}

int64_t run_unpack(const std::string& pack, const std::string& out_dir) {
  if (!data::is_pack(pack)) throw ConfigError("'" + pack + "' is not a pack (expected a folder with train.rec, or a .rec file)");
  const data::PackReader reader(pack);
  spdlog::info("[unpack] {}: {} images of {} identities -> {}", reader.rec_path(), reader.num_images(),
               reader.num_identities(), out_dir);
  return data::unpack(reader, out_dir);
}

}  // namespace facenet::tasks
