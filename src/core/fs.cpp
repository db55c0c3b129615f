#include "facenet/core/fs.h"

#include <fcntl.h>
#include <signal.h>
#include <cerrno>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "facenet/core/crc32c.h"
#include "facenet/core/error.h"

namespace facenet {
namespace fs = std::filesystem;

namespace {

/// Makes `path`'s data (or a folder's entries) durable before we rely on it.
void sync_path(const std::string& path, bool folder) {
  const int fd = ::open(path.c_str(), folder ? O_RDONLY | O_DIRECTORY : O_RDONLY);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

/// " (the disk is full: N MB free)" when that explains a failed write, else "".
std::string space_hint(const fs::path& folder) {
  std::error_code ec;
  const auto space = fs::space(folder.empty() ? fs::path(".") : folder, ec);
  if (ec || space.available > (16u << 20)) return "";
  return " (the disk is full: " + std::to_string(space.available >> 20) + " MB free)";
}

}  // namespace

void write_atomic_with(const std::string& path, const std::function<void(const std::string&)>& write) {
  const fs::path target(path);
  if (target.has_parent_path()) fs::create_directories(target.parent_path());
  const std::string tmp = path + ".tmp-" + std::to_string(::getpid());
  try {
    write(tmp);
    // Data first, then the name: a crash leaves the old file or the whole new one.
    sync_path(tmp, false);
    fs::rename(tmp, target);
    sync_path(target.has_parent_path() ? target.parent_path().string() : ".", true);
  } catch (const std::exception& e) {
    const auto hint = space_hint(target.parent_path());  // before the temporary frees its space
    std::error_code ec;
    fs::remove(tmp, ec);
    throw Error("cannot write '" + path + "': " + error_message(e) + hint + "; the previous file, if any, is unchanged");
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

int remove_stale_temporaries(const std::string& folder) {
  std::error_code ec;
  if (!fs::is_directory(folder, ec)) return 0;
  std::vector<fs::path> stale;
  for (auto it = fs::recursive_directory_iterator(folder, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    const auto name = it->path().filename().string();
    const auto at = name.rfind(".tmp-");
    if (at == std::string::npos || !it->is_regular_file(ec)) continue;
    const auto pid_text = name.substr(at + 5);
    if (pid_text.empty() || pid_text.find_first_not_of("0123456789") != std::string::npos) continue;
    const auto pid = static_cast<pid_t>(std::stol(pid_text));
    if (pid != ::getpid() && ::kill(pid, 0) != 0 && errno == ESRCH) stale.push_back(it->path());
  }
  int removed = 0;
  for (const auto& p : stale) removed += fs::remove(p, ec) ? 1 : 0;
  return removed;
}

uint32_t file_crc32c(const std::string& path, uint64_t length) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot read '" + path + "'");
  std::vector<char> chunk(1 << 20);
  uint32_t crc = 0;
  uint64_t left = length;
  while (in && left > 0) {
    in.read(chunk.data(), static_cast<std::streamsize>(std::min<uint64_t>(chunk.size(), left)));
    const auto got = static_cast<std::size_t>(in.gcount());
    crc = crc32c::extend(crc, chunk.data(), got);
    left -= got;
  }
  if (in.bad() || (length != UINT64_MAX && left > 0)) throw Error("read error in '" + path + "'");
  return crc;
}

}  // namespace facenet
