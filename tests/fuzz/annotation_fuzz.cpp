// Annotation files (`<label>;<path>` lines): read_annotation takes a path, so the input is
// written to a scratch file first.
#include <cstddef>
#include <cstdint>

#include "facenet/core/error.h"
#include "facenet/data/annotation_source.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static bool init = (facenet::fuzz::quiet_logs(), true);
  (void)init;
  const auto path = facenet::fuzz::write_file("cls_train.txt", data, size);
  try {
    auto ds = facenet::data::read_annotation(path);
    (void)facenet::data::describe(facenet::data::dataset_stats(ds));
    (void)ds.by_identity();
  } catch (const facenet::Error&) {
  }
  return 0;
}
