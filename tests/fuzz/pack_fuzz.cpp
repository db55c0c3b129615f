// insightface packs: the input is split into a folder's train.idx, property and train.rec:
//   uint16 LE idx length, uint8 property length (255 = no property file), idx text,
//   property text, then the rest is train.rec.
// The folder is opened with PackReader (and as a Dataset), and every image record is read.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>

#include "facenet/core/error.h"
#include "facenet/data/dataset.h"
#include "facenet/data/pack.h"
#include "facenet/data/pack_source.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static bool init = (facenet::fuzz::quiet_logs(), true);
  (void)init;
  if (size < 3) return 0;
  const size_t idx_len = data[0] | (size_t(data[1]) << 8);
  const size_t prop_len = data[2] == 255 ? 0 : data[2];
  const bool has_prop = data[2] != 255;
  size_t at = 3;
  if (idx_len + prop_len > size - at) return 0;
  const std::string dir = facenet::fuzz::scratch_dir() + "/pack";
  std::filesystem::create_directories(dir);
  facenet::fuzz::write_file("pack/train.idx", data + at, idx_len);
  at += idx_len;
  if (has_prop) {
    facenet::fuzz::write_file("pack/property", data + at, prop_len);
  } else {
    std::filesystem::remove(dir + "/property");
  }
  at += prop_len;
  facenet::fuzz::write_file("pack/train.rec", data + at, size - at);
  try {
    facenet::data::PackReader pack(dir);
    if (pack.num_images() > 0 && pack.num_identities() <= 0) __builtin_trap();
    for (int64_t i = 0; i < pack.num_images() && i < 64; ++i) {
      if (pack.label(i) < 0 || pack.label(i) >= pack.num_identities()) __builtin_trap();
      try {
        (void)pack.read_image(i);
        (void)pack.describe(i);
      } catch (const facenet::Error&) {
      }
    }
    (void)pack.by_identity();
    auto ds = facenet::data::dataset_of(facenet::data::open_pack(dir));
    (void)facenet::data::describe(facenet::data::dataset_stats(ds));
  } catch (const facenet::Error&) {
  }
  return 0;
}
