#include "align_boxes.h"

#include <fmt/format.h>

#include <filesystem>
#include <map>
#include <sstream>

#include "facenet/core/error.h"
#include "facenet/core/fs.h"

namespace facenet::detect {
namespace fs = std::filesystem;
namespace {

bool is_int(const std::string& s) {
  size_t i = s.size() > 1 && s[0] == '-' ? 1 : 0;
  if (i == s.size()) return false;
  for (; i < s.size(); ++i)
    if (s[i] < '0' || s[i] > '9') return false;
  return true;
}

/// The output a line names: what precedes the four coordinates of a face line, the whole line
/// otherwise (paths may hold spaces).
std::string output_of(const std::string& line, bool& has_box) {
  has_box = false;
  size_t end = line.size();
  for (int k = 0; k < 4; ++k) {
    const size_t space = end == 0 ? std::string::npos : line.rfind(' ', end - 1);
    if (space == std::string::npos || !is_int(line.substr(space + 1, end - space - 1))) return line;
    end = space;
  }
  if (end == 0) return line;
  has_box = true;
  return line.substr(0, end);
}

}  // namespace

BoxesFile::BoxesFile(const std::string& path) : path_(path) {
  out_.open(path, std::ios::app);
  if (!out_) throw Error("align: cannot open '" + path + "' for appending");
}

void BoxesFile::face(const std::string& output, const Box& b) {
  line(fmt::format("{} {} {} {} {}\n", output, b.x, b.y, b.x + b.width, b.y + b.height));
}

void BoxesFile::missed(const std::string& output) { line(output + "\n"); }

void BoxesFile::line(const std::string& text) {
  std::lock_guard<std::mutex> lock(mutex_);
  out_ << text;
  out_.flush();
  if (!out_) throw Error("align: cannot write to '" + path_ + "'");
}

int64_t compact_boxes_file(const std::string& path, const std::string& folder) {
  if (!fs::exists(path)) return 0;
  std::map<std::string, std::string> last;  // output -> its line, sorted by output
  std::istringstream in(read_file(path));
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    bool has_box = false;
    last[output_of(line, has_box)] = line;
  }
  std::string text;
  int64_t faces = 0;
  for (const auto& [output, line] : last) {
    bool has_box = false;
    output_of(line, has_box);
    if (has_box && !fs::exists(fs::path(folder) / output)) continue;
    faces += has_box;
    text += line + "\n";
  }
  write_file_atomic(path, text);
  return faces;
}

}  // namespace facenet::detect
