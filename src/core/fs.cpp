#include "facenet/core/fs.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "facenet/core/error.h"

namespace facenet {
namespace fs = std::filesystem;

void write_atomic_with(const std::string& path, const std::function<void(const std::string&)>& write) {
  const fs::path target(path);
  if (target.has_parent_path()) fs::create_directories(target.parent_path());
  const std::string tmp = path + ".tmp-" + std::to_string(::getpid());
  try {
    write(tmp);
    fs::rename(tmp, target);
  } catch (...) {
    std::error_code ec;
    fs::remove(tmp, ec);
    throw;
  }
}

void write_file_atomic(const std::string& path, const std::string& content) {
  write_atomic_with(path, [&](const std::string& tmp) {
    std::ofstream out(tmp, std::ios::binary);
    out << content;
    out.flush();
    if (!out) throw Error("cannot write '" + tmp + "'");
  });
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot read '" + path + "'");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace facenet
