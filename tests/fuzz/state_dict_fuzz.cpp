// State dicts (torch.save / export_state_dict files) and the pickle rewriter behind them.
// The first byte picks the target:
//   bit 0 clear: the rest is the file, through read_state_dict;
//   bit 0 set:   the rest is a data.pkl pickle: plain_dicts_pickle (in memory), then the pickle
//                is stored as <archive>/data.pkl of a torch zip and read with read_state_dict
//                (the fuzzer cannot fix up the zip's CRCs itself).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <caffe2/serialize/inline_container.h>
#include <torch/torch.h>

#include "core/python_pickle.h"
#include "facenet/core/error.h"
#include "facenet/export/state_dict.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static bool init = (facenet::fuzz::quiet_logs(), torch::set_num_threads(1), true);
  (void)init;
  if (size == 0) return 0;
  std::string path = facenet::fuzz::scratch_dir() + "/state_dict.pt";
  if (data[0] & 1) {
    const std::string pickle(reinterpret_cast<const char*>(data + 1), size - 1);
    try {
      (void)facenet::plain_dicts_pickle(pickle);
    } catch (const facenet::Error&) {
    }
    caffe2::serialize::PyTorchStreamWriter writer(path);
    writer.writeRecord("data.pkl", pickle.data(), pickle.size());
    writer.writeEndOfFile();
  } else {
    path = facenet::fuzz::write_file("state_dict.pt", data + 1, size - 1);
  }
  try {
    auto state = facenet::exporting::read_state_dict(path);
    for (const auto& [name, t] : state) (void)t.numel();
    if (std::getenv("FACENET_FUZZ_VERBOSE")) std::fprintf(stderr, "loaded %zu tensors\n", state.size());
  } catch (const facenet::Error& e) {
    if (std::getenv("FACENET_FUZZ_VERBOSE")) std::fprintf(stderr, "Error: %s\n", e.what());
  }
  return 0;
}
