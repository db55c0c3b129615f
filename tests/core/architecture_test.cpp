// The layer map of docs/architecture.md, enforced: every `#include "facenet/<area>/..."` in
// include/, src/ and apps/facenet/ must name the file's own area or one the map lists for it.
#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <unistd.h>

namespace fs = std::filesystem;

namespace {

using LayerMap = std::map<std::string, std::set<std::string>>;

/// Rows `| \`area\` | \`a\` \`b\` | ... |` of the "## Areas" table.
LayerMap read_layer_map(const fs::path& doc) {
  std::ifstream in(doc);
  LayerMap map;
  bool in_areas = false;
  const std::regex tick("`([a-z_]+)`");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("## ", 0) == 0) in_areas = line == "## Areas";
    if (!in_areas || line.rfind("| `", 0) != 0) continue;
    std::vector<std::string> cells;
    std::stringstream ss(line.substr(1));
    for (std::string cell; std::getline(ss, cell, '|');) cells.push_back(cell);
    if (cells.size() < 2) continue;
    std::smatch m;
    if (!std::regex_search(cells[0], m, tick)) continue;
    auto& allowed = map[m[1]];
    for (std::sregex_iterator it(cells[1].begin(), cells[1].end(), tick), end; it != end; ++it)
      allowed.insert((*it)[1]);
  }
  return map;
}

/// (area of the file, areas it includes with line numbers)
std::vector<std::pair<std::string, int>> facenet_includes(const fs::path& file) {
  static const std::regex include(R"re(^\s*#\s*include\s*"facenet/([a-z_]+)/)re");
  std::ifstream in(file);
  std::vector<std::pair<std::string, int>> out;
  int n = 0;
  for (std::string line; std::getline(in, line);) {
    ++n;
    std::smatch m;
    if (std::regex_search(line, m, include)) out.emplace_back(m[1], n);
  }
  return out;
}

std::vector<std::string> violations(const fs::path& root, const LayerMap& map) {
  std::vector<std::string> found;
  auto check_tree = [&](const fs::path& dir, const std::function<std::string(const fs::path&)>& area_of) {
    if (!fs::exists(dir)) return;
    for (const auto& e : fs::recursive_directory_iterator(dir)) {
      const auto ext = e.path().extension();
      if (!e.is_regular_file() || (ext != ".h" && ext != ".cpp")) continue;
      const auto area = area_of(fs::relative(e.path(), dir));
      const auto it = map.find(area);
      if (it == map.end()) {
        found.push_back(e.path().string() + ": area '" + area + "' is not in docs/architecture.md");
        continue;
      }
      for (const auto& [target, line] : facenet_includes(e.path()))
        if (target != area && !it->second.count(target))
          found.push_back(fs::relative(e.path(), root).string() + ":" + std::to_string(line) + ": " + area +
                          " may not include " + target);
    }
  };
  auto first_folder = [](const fs::path& rel) { return rel.begin()->string(); };
  check_tree(root / "include" / "facenet", first_folder);
  check_tree(root / "src", first_folder);
  check_tree(root / "apps" / "facenet", [](const fs::path&) { return std::string("apps"); });
  return found;
}

std::string join(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

}  // namespace

TEST(Architecture, LayerMapIsReadable) {
  const auto map = read_layer_map(fs::path(FACENET_SOURCE_DIR) / "docs" / "architecture.md");
  for (const char* area : {"core", "data", "models", "losses", "checkpoint", "infer", "eval", "export", "train", "tasks",
                           "bench", "serve", "apps"})
    EXPECT_TRUE(map.count(area)) << area;
  EXPECT_TRUE(map.at("core").empty());
  EXPECT_TRUE(map.at("eval").count("infer"));
  EXPECT_FALSE(map.at("infer").count("eval"));  // the layer below both eval and export
  EXPECT_FALSE(map.at("export").count("eval"));
}

TEST(Architecture, NoIncludeCrossesABoundaryTheMapForbids) {
  const fs::path root(FACENET_SOURCE_DIR);
  const auto found = violations(root, read_layer_map(root / "docs" / "architecture.md"));
  EXPECT_TRUE(found.empty()) << join(found);
}

TEST(Architecture, TheCheckCatchesAForbiddenInclude) {
  // A throwaway tree where eval includes export: the check must report it.
  const auto root = fs::temp_directory_path() / ("facenet_arch_" + std::to_string(::getpid()));
  fs::remove_all(root);
  fs::create_directories(root / "src" / "eval");
  fs::create_directories(root / "include" / "facenet" / "export");
  std::ofstream(root / "src" / "eval" / "bad.cpp") << "#include \"facenet/core/error.h\"\n"
                                                      "#include \"facenet/export/export.h\"\n";
  std::ofstream(root / "include" / "facenet" / "export" / "export.h") << "#pragma once\n";
  const auto map = read_layer_map(fs::path(FACENET_SOURCE_DIR) / "docs" / "architecture.md");
  const auto found = violations(root, map);
  ASSERT_EQ(found.size(), 1u) << join(found);
  EXPECT_NE(found[0].find("src/eval/bad.cpp:2: eval may not include export"), std::string::npos) << found[0];
  fs::remove_all(root);
}
