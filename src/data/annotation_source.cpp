// The annotation list source: `<label>;<path>` lines.
#include "facenet/data/annotation_source.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "facenet/core/error.h"
#include "facenet/core/fs.h"
#include "facenet/data/file_source.h"
#include "text.h"

namespace facenet::data {
namespace fs = std::filesystem;

namespace {

// 2^24 identities: far beyond any face dataset (WebFace260M has 4M), and a bounded allocation.
constexpr int64_t kMaxAnnotationLabel = (int64_t{1} << 24) - 1;

std::shared_ptr<const FileSource> open_annotation(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw Error("cannot read annotation file '" + path + "'");
  const fs::path base = fs::absolute(fs::path(path)).parent_path();
  std::vector<ImageFile> files;
  std::string line;
  for (int64_t lineno = 1; std::getline(in, line); ++lineno) {
    line = trim(line);
    if (line.empty() || line[0] == '#') continue;
    const auto semi = line.find(';');
    const auto where = path + ":" + std::to_string(lineno);
    if (semi == std::string::npos) throw Error(where + ": expected '<label>;<path>', got '" + line + "'");
    const auto label_text = trim(line.substr(0, semi));
    const auto file = trim(line.substr(semi + 1));
    int64_t label = -1;
    std::size_t used = 0;
    try {
      label = std::stoll(label_text, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (label_text.empty() || used != label_text.size() || label < 0)
      throw Error(where + ": label '" + label_text + "' is not a non-negative integer");
    // Labels number identities 0..max: every label below the largest gets an entry, so a
    // stray huge label would allocate (and overflow) rather than describe a dataset.
    if (label > kMaxAnnotationLabel)
      throw Error(where + ": label " + label_text + " is too large (labels are identities numbered 0.." +
                  std::to_string(kMaxAnnotationLabel) + ")");
    if (file.empty()) throw Error(where + ": empty path");
    fs::path p(file);
    if (p.is_relative()) p = base / p;
    files.push_back({p.lexically_normal().string(), label});
  }
  if (files.empty()) throw Error("annotation file '" + path + "' lists no images");
  FileList list;
  int64_t max_label = 0;
  for (const auto& f : files) max_label = std::max(max_label, f.label);
  list.identities.assign(max_label + 1, "");
  std::stable_sort(files.begin(), files.end(),
                   [](const ImageFile& a, const ImageFile& b) { return a.label < b.label; });
  for (const auto& f : files)
    if (list.identities[f.label].empty()) list.identities[f.label] = fs::path(f.path).parent_path().filename().string();
  // Labels the file never uses keep a placeholder name so the numbering stays the file's.
  for (std::size_t i = 0; i < list.identities.size(); ++i)
    if (list.identities[i].empty()) list.identities[i] = "label_" + std::to_string(i);
  list.files = std::move(files);
  return std::make_shared<FileSource>(std::move(list));
}

}  // namespace

Dataset read_annotation(const std::string& path) { return dataset_of(open_annotation(path)); }

void write_annotation(const Dataset& dataset, const std::string& path) {
  std::ostringstream out;
  for (int64_t i = 0; i < dataset.size(); ++i)
    out << dataset.samples[static_cast<std::size_t>(i)].label << ";" << fs::absolute(dataset.name(i)).string() << "\n";
  write_file_atomic(path, out.str());
}

SourceKind annotation_source_kind() {
  return {"annotation", [](const DataConfig& config) { return config.annotation; },
          [](const std::string& path, const DataConfig&) -> std::shared_ptr<const Source> {
            return open_annotation(path);
          }};
}

}  // namespace facenet::data
