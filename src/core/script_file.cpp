#include "facenet/core/script_file.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "facenet/core/error.h"
#include "facenet/core/fs.h"
#include "facenet/core/zip_digest.h"

namespace facenet {

void save_sealed_script(const torch::jit::Module& module, const torch::jit::ExtraFilesMap& extra,
                        const std::string& path) {
  std::stringstream bytes;  // read back below, so in and out
  try {
    module.save(bytes, extra);
  } catch (const std::exception& e) {
    throw Error("cannot serialise the TorchScript module for '" + path + "': " + error_message(e).substr(0, 300));
  }
  write_atomic_with(path, [&](const std::string& tmp) {
    std::ofstream out(tmp, std::ios::binary);
    out << bytes.rdbuf();
    out.flush();
    if (!out) throw Error(errno ? std::strerror(errno) : "write failed");
    out.close();
    seal_zip(tmp);
  });
}

}  // namespace facenet
