// Model files: load_network sniffs the kind (TorchScript export, checkpoint, ONNX), verifies
// the content digest and loads it. The first byte picks the target:
//   bit 0 clear: the rest is the model file, through load_network;
//   bit 0 set:   the rest is an export's meta.json / facenet.meta text, through meta_from_json
//                (what both export kinds carry), without the archive around it; with bit 1
//                also set, an int8 model's int8.json through int8_record_from_json.
#include <cstddef>
#include <cstdint>
#include <string>

#include <torch/torch.h>

#include "facenet/core/error.h"
#include "facenet/infer/int8_model.h"
#include "facenet/infer/meta.h"
#include "facenet/infer/network_loader.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static bool init = (facenet::fuzz::quiet_logs(), torch::set_num_threads(1), true);
  (void)init;
  if (size == 0) return 0;
  try {
    if ((data[0] & 3) == 3) {
      auto record = facenet::infer::int8_record_from_json(
          std::string(reinterpret_cast<const char*>(data + 1), size - 1), "fuzz int8.json");
      (void)facenet::infer::int8_record_to_json(record);
    } else if (data[0] & 1) {
      auto meta = facenet::infer::meta_from_json(std::string(reinterpret_cast<const char*>(data + 1), size - 1),
                                                 "fuzz meta.json");
      (void)facenet::infer::meta_to_json(meta);
    } else {
      const auto path = facenet::fuzz::write_file("model.bin", data + 1, size - 1);
      auto net = facenet::infer::load_network(path);
      // A network that loads must run on one image of its input size.
      if (net.meta.input_size > 0 && net.meta.input_size <= 256) {
        auto out = net.forward(torch::zeros({1, 3, net.meta.input_size, net.meta.input_size}));
        (void)out;
      }
    }
  } catch (const facenet::Error&) {
  }
  return 0;
}
