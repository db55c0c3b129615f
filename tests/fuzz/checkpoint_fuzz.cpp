// Checkpoints: Checkpoint::open (content digest, torch archive, meta JSON, embedded config),
// core/zip_digest.h verify_zip, then loading the weights into the model the config names.
// The first byte picks how the rest becomes the file:
//   bit 0 clear: the rest is the file as it is (mutated zips, sealed or not);
//   bit 0 set:   the rest is `meta JSON \0 config YAML`, written as a torch archive holding
//                those two strings (bit 1: sealed with the content digest), so the fuzzer
//                reaches the metadata and config parsing behind the archive's own CRCs.
#include <cstddef>
#include <cstdint>
#include <string>

#include <torch/serialize.h>

#include "facenet/checkpoint/checkpoint.h"
#include "facenet/core/error.h"
#include "facenet/core/zip_digest.h"
#include "facenet/models/facenet.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static bool init = (facenet::fuzz::quiet_logs(), torch::set_num_threads(1), true);
  (void)init;
  if (size == 0) return 0;
  const uint8_t mode = data[0];
  std::string path;
  if (!(mode & 1)) {
    path = facenet::fuzz::write_file("checkpoint.pt", data + 1, size - 1);
  } else {
    const std::string rest(reinterpret_cast<const char*>(data + 1), size - 1);
    const auto nul = rest.find('\0');
    torch::serialize::OutputArchive ar;
    ar.write("meta", c10::IValue(rest.substr(0, nul)));
    ar.write("config", c10::IValue(nul == std::string::npos ? std::string() : rest.substr(nul + 1)));
    path = facenet::fuzz::scratch_dir() + "/checkpoint.pt";
    ar.save_to(path);
    if (mode & 2) facenet::seal_zip(path);
  }
  try {
    (void)facenet::verify_zip(path);
  } catch (const facenet::Error&) {
  }
  try {
    const auto checkpoint = facenet::Checkpoint::open(path);
    const auto& info = checkpoint.info();
    (void)checkpoint.config_for_resume({"train.epochs=3"});
    // Building the network costs ~0.1 s: only for small ones, and not for every input.
    if ((mode & 4) && info.config.model.backbone == facenet::Backbone::MobileNet &&
        info.config.model.embedding_size <= 512) {
      auto model = facenet::models::make_model(info.config.model);
      checkpoint.load_into(*model);
    }
  } catch (const facenet::Error&) {
  }
  return 0;
}
