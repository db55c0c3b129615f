#include "index_cache.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "facenet/core/crc32c.h"
#include "facenet/core/fs.h"

namespace facenet::data {
namespace fs = std::filesystem;
namespace {

constexpr const char* kIndexName = ".facenet_index.txt";
constexpr const char* kHeader = "facenet-index 2";  // 2: a CRC-32C line ends the file

uint64_t fnv1a(const std::string& s, uint64_t h = 1469598103934665603ULL) {
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ULL;
  return h;
}

std::string hex(uint64_t v) {
  std::ostringstream out;
  out << std::hex << v;
  return out.str();
}

fs::path fallback_path(const fs::path& root, const std::string& cache_dir) {
  fs::path dir;
  if (!cache_dir.empty()) {
    dir = cache_dir;
  } else if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg) {
    dir = fs::path(xdg) / "facenet";
  } else if (const char* home = std::getenv("HOME"); home && *home) {
    dir = fs::path(home) / ".cache" / "facenet";
  } else {
    dir = fs::temp_directory_path() / "facenet-cache";
  }
  return dir / ("index-" + hex(fnv1a(fs::absolute(root).lexically_normal().string())) + ".txt");
}

/// The text without its last line "crc32c XXXXXXXX" when that digest matches, else nullopt.
std::optional<std::string> verified_text(const fs::path& file) {
  std::ifstream f(file, std::ios::binary);
  if (!f) return std::nullopt;
  std::stringstream ss;
  ss << f.rdbuf();
  const auto text = ss.str();
  const auto last = text.rfind("crc32c ");
  if (last == std::string::npos || (last > 0 && text[last - 1] != '\n')) return std::nullopt;
  const auto body = text.substr(0, last);
  if (text.substr(last) != "crc32c " + hex(crc32c::value(body)) + "\n") {
    spdlog::warn("[data] the dataset index cache {} is damaged (digest mismatch): scanning the folder again",
                 file.string());
    return std::nullopt;
  }
  return body;
}

std::optional<FileList> parse(const fs::path& file, const fs::path& root, const std::string& signature) {
  const auto text = verified_text(file);
  if (!text) return std::nullopt;
  std::istringstream in(*text);
  std::string line;
  if (!std::getline(in, line) || line != kHeader) return std::nullopt;
  if (!std::getline(in, line) || line != "signature " + signature) return std::nullopt;
  FileList list;
  std::string identity_dir;
  while (std::getline(in, line)) {
    if (line.size() < 2 || line[1] != '\t') return std::nullopt;
    const auto value = line.substr(2);
    if (line[0] == 'I') {
      list.identities.push_back(value);
      identity_dir = (root / value).string();
    } else if (line[0] == 'F' && !list.identities.empty()) {
      list.files.push_back({identity_dir + "/" + value, static_cast<int64_t>(list.identities.size()) - 1});
    } else {
      return std::nullopt;
    }
  }
  if (list.files.empty()) return std::nullopt;
  return list;
}

}  // namespace

std::string index_signature(const std::vector<fs::path>& identity_dirs) {
  uint64_t h = fnv1a(std::to_string(identity_dirs.size()));
  for (const auto& dir : identity_dirs) {
    std::error_code ec;
    const auto t = fs::last_write_time(dir, ec).time_since_epoch().count();
    h = fnv1a(dir.filename().string() + "\n" + std::to_string(t) + "\n", h);
  }
  return hex(h) + "-" + std::to_string(identity_dirs.size());
}

std::optional<FileList> load_index(const fs::path& root, const std::string& signature, const std::string& cache_dir) {
  if (auto list = parse(root / kIndexName, root, signature)) return list;
  return parse(fallback_path(root, cache_dir), root, signature);
}

void save_index(const fs::path& root, const std::string& signature, const FileList& list,
                const std::string& cache_dir) {
  std::ostringstream out;
  // Files are ordered by label: each identity line is followed by its file names.
  out << kHeader << "\nsignature " << signature << "\n";
  int64_t current = -1;
  for (const auto& f : list.files) {
    if (f.label != current) {
      current = f.label;
      out << "I\t" << list.identities[current] << "\n";
    }
    out << "F\t" << fs::path(f.path).filename().string() << "\n";
  }
  auto text = out.str();
  text += "crc32c " + hex(crc32c::value(text)) + "\n";
  for (const auto& target : {root / kIndexName, fallback_path(root, cache_dir)}) {
    try {
      write_file_atomic(target.string(), text);
      spdlog::debug("[data] index cached in {}", target.string());
      return;
    } catch (const std::exception& e) {
      spdlog::debug("[data] cannot cache the index in {}: {}", target.string(), e.what());
    }
  }
  spdlog::warn("[data] could not cache the dataset index for {} (the next start scans again)", root.string());
}

}  // namespace facenet::data
