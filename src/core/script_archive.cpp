#include "facenet/core/script_archive.h"

#include <caffe2/serialize/inline_container.h>

#include <cctype>
#include <optional>
#include <set>
#include <sstream>

#include "facenet/core/error.h"

namespace facenet {
namespace {

bool is_code_record(const std::string& name) {
  return name.rfind("code/", 0) == 0 && name.size() > 3 && name.compare(name.size() - 3, 3, ".py") == 0;
}

size_t indentation(const std::string& line) { return line.find_first_not_of(" \t"); }

std::string trim(const std::string& s) {
  const auto a = s.find_first_not_of(" \t"), b = s.find_last_not_of(" \t");
  return a == std::string::npos ? "" : s.substr(a, b - a + 1);
}

/// For `class Name(Base):` the base ("" without one); nullopt for any other line.
std::optional<std::string> class_base(const std::string& line) {
  if (line.rfind("class", 0) != 0 || line.size() < 6 || (line[5] != ' ' && line[5] != '\t')) return std::nullopt;
  const auto open = line.find('('), close = line.find(')');
  if (open == std::string::npos || close == std::string::npos || close < open) return std::string();
  return trim(line.substr(open + 1, close - open - 1));
}

/// The target of `name = value` (no annotation, not `==`); "" for any other statement.
/// Written out rather than as a std::regex: __parameters__ lines run to tens of kilobytes.
std::string bare_assignment_target(const std::string& statement) {
  size_t i = 0;
  if (statement.empty() || !(std::isalpha(static_cast<unsigned char>(statement[0])) || statement[0] == '_')) return "";
  while (i < statement.size() && (std::isalnum(static_cast<unsigned char>(statement[i])) || statement[i] == '_')) ++i;
  size_t j = statement.find_first_not_of(" \t", i);
  if (j == std::string::npos || statement[j] != '=' || (j + 1 < statement.size() && statement[j + 1] == '=')) return "";
  return statement.substr(0, i);
}

/// Checks one code record; `what` names it in errors.
void check_record(const std::string& text, const std::string& what) {
  // The importer's own lists, which it reads as list literals.
  static const std::set<std::string> importer_lists{"__parameters__", "__buffers__", "__forward_hooks__",
                                                    "__forward_pre_hooks__"};
  std::istringstream in(text);
  std::string line;
  int number = 0;
  bool in_class = false;     // inside a class body the importer reads as attributes/constants
  std::string body_indent;   // that body's indentation, from its first statement
  while (std::getline(in, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const auto at = indentation(line);
    if (at == std::string::npos || line[at] == '#') continue;  // blank or comment
    if (at == 0) {
      const auto base = class_base(line);
      in_class = base && *base != "Enum" && *base != "NamedTuple";
      body_indent.clear();
      continue;
    }
    if (!in_class) continue;
    if (body_indent.empty()) body_indent = line.substr(0, at);
    if (at != body_indent.size() || line.compare(0, at, body_indent) != 0) continue;  // inside a method
    const std::string statement = line.substr(at);
    const std::string target = bare_assignment_target(statement);
    if (target.empty() || target == "__annotations__") continue;
    if (importer_lists.count(target) && trim(statement.substr(statement.find('=') + 1)).rfind('[', 0) == 0) continue;
    throw Error("record '" + what + "' line " + std::to_string(number) +
                " assigns a class attribute without a type: '" + statement.substr(0, 60) + "'");
  }
}

}  // namespace

void check_script_class_declarations(const std::string& path) {
  try {
    caffe2::serialize::PyTorchStreamReader reader(path);
    for (const auto& name : reader.getAllRecords()) {
      if (!is_code_record(name)) continue;
      auto [data, size] = reader.getRecord(name);
      check_record(std::string(static_cast<const char*>(data.get()), size), name);
    }
  } catch (const Error& e) {
    throw Error("'" + path + "' is damaged TorchScript: " + e.what());
  } catch (const std::exception& e) {
    throw Error("'" + path + "' is a corrupt torch archive: " + error_message(e).substr(0, 200));
  }
}

}  // namespace facenet
