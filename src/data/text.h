#pragma once
// Line parsing shared by src/data's text readers (annotation lists, identity lists).
#include <string>

namespace facenet::data {

/// `s` without leading and trailing blanks (space, tab, CR, LF).
inline std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  const auto e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

}  // namespace facenet::data
