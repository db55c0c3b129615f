// TFRecord framing and TensorBoard event files: the first byte picks strict or
// truncated-tail-tolerant reading; the rest is the file. Both the raw Reader and read_events
// (which also parses each record as a tensorflow.Event) run on it.
#include <cstddef>
#include <cstdint>
#include <string>

#include "facenet/core/error.h"
#include "facenet/core/tensorboard.h"
#include "facenet/core/tfrecord.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static bool init = (facenet::fuzz::quiet_logs(), true);
  (void)init;
  if (size == 0) return 0;
  const bool tolerant = data[0] & 1;
  const auto path = facenet::fuzz::write_file("events.out.tfevents.1.fuzz", data + 1, size - 1);
  try {
    facenet::tfrecord::Reader reader(path, data[0] & 2 ? 1024 : facenet::tfrecord::kDefaultMaxRecordBytes);
    std::string payload;
    while (reader.read(payload, tolerant)) {
      if (payload.size() > size) __builtin_trap();  // memory grows only with bytes read
    }
  } catch (const facenet::Error&) {
  }
  try {
    auto events = facenet::read_events(path, tolerant);
    for (const auto& e : events)
      for (const auto& img : e.images) (void)img.encoded.size();
  } catch (const facenet::Error&) {
  }
  return 0;
}
