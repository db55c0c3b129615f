// Dataset sources: folder tree scan (with an index cache), annotation files, identity
// filtering, summary statistics and the seeded validation split.
#include "facenet/data/dataset.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <random>
#include <set>
#include <sstream>
#include <unordered_map>

#include "facenet/core/error.h"
#include "facenet/core/fs.h"
#include "facenet/data/pack.h"
#include "index_cache.h"

namespace facenet::data {
namespace fs = std::filesystem;

std::vector<std::vector<int64_t>> Dataset::by_identity() const {
  std::vector<std::vector<int64_t>> out(identities.size());
  for (int64_t i = 0; i < size(); ++i) out.at(samples[i].label).push_back(i);
  return out;
}

DatasetStats dataset_stats(const Dataset& dataset) {
  DatasetStats s;
  s.identities = dataset.num_classes();
  s.images = dataset.size();
  std::vector<int64_t> counts;
  for (const auto& members : dataset.by_identity()) counts.push_back(static_cast<int64_t>(members.size()));
  if (counts.empty()) return s;
  std::sort(counts.begin(), counts.end());
  s.min_per_identity = counts.front();
  s.max_per_identity = counts.back();
  s.median_per_identity = counts[counts.size() / 2];
  s.triplet_identities = std::count_if(counts.begin(), counts.end(), [](int64_t c) { return c >= 2; });
  return s;
}

std::string describe(const DatasetStats& s) {
  std::ostringstream out;
  out << s.identities << " identities, " << s.images << " images, images/identity min/median/max "
      << s.min_per_identity << "/" << s.median_per_identity << "/" << s.max_per_identity << ", "
      << s.triplet_identities << " identities usable for triplets (>= 2 images)";
  return out.str();
}

bool is_image_path(const std::string& path) {
  auto ext = fs::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  static const std::set<std::string> known{".jpg", ".jpeg", ".png", ".bmp", ".webp",
                                           ".pgm", ".ppm",  ".tif", ".tiff"};
  return known.count(ext) > 0;
}

namespace {

bool hidden(const fs::path& p) {
  const auto name = p.filename().string();
  return !name.empty() && name[0] == '.';
}

/// Identity folders (sorted), for the scan and the cache signature.
std::vector<fs::path> identity_folders(const fs::path& root) {
  std::vector<fs::path> dirs;
  for (const auto& entry : fs::directory_iterator(root))
    if (entry.is_directory() && !hidden(entry.path())) dirs.push_back(entry.path());
  std::sort(dirs.begin(), dirs.end(), [](const fs::path& a, const fs::path& b) {
    return a.filename().string() < b.filename().string();
  });
  return dirs;
}

Dataset scan_tree(const fs::path& root, const std::vector<fs::path>& dirs) {
  Dataset ds;
  int64_t empty = 0, ignored = 0;
  for (const auto& dir : dirs) {
    std::vector<std::string> images;
    for (const auto& entry : fs::directory_iterator(dir)) {
      if (!entry.is_regular_file() || hidden(entry.path())) continue;
      if (is_image_path(entry.path().string()))
        images.push_back(entry.path().string());
      else
        ++ignored;
    }
    if (images.empty()) {
      ++empty;
      continue;
    }
    std::sort(images.begin(), images.end());
    const auto label = ds.num_classes();
    ds.identities.push_back(dir.filename().string());
    for (auto& p : images) ds.samples.push_back({std::move(p), label});
  }
  if (empty) spdlog::info("[data] {}: skipped {} identity folders without images", root.string(), empty);
  if (ignored) spdlog::info("[data] {}: ignored {} non-image files", root.string(), ignored);
  return ds;
}

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  const auto e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

}  // namespace

Dataset scan_folder(const std::string& root_path, const ScanOptions& options) {
  const fs::path root(root_path);
  std::error_code ec;
  if (!fs::is_directory(root, ec)) throw Error("dataset root '" + root_path + "' does not exist or is not a folder");
  const auto dirs = identity_folders(root);
  const auto signature = index_signature(dirs);
  if (options.use_cache) {
    if (auto cached = load_index(root, signature, options.cache_dir)) {
      spdlog::debug("[data] {}: using the cached index", root_path);
      return std::move(*cached);
    }
  }
  Dataset ds = scan_tree(root, dirs);
  if (ds.samples.empty()) throw Error("dataset root '" + root_path + "' holds no images (expected root/<identity>/<image>)");
  if (options.use_cache) save_index(root, signature, ds, options.cache_dir);
  return ds;
}

// 2^24 identities: far beyond any face dataset (WebFace260M has 4M), and a bounded allocation.
constexpr int64_t kMaxAnnotationLabel = (int64_t{1} << 24) - 1;

Dataset read_annotation(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw Error("cannot read annotation file '" + path + "'");
  const fs::path base = fs::absolute(fs::path(path)).parent_path();
  std::vector<Sample> samples;
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
    samples.push_back({p.lexically_normal().string(), label});
  }
  if (samples.empty()) throw Error("annotation file '" + path + "' lists no images");
  Dataset ds;
  int64_t max_label = 0;
  for (const auto& s : samples) max_label = std::max(max_label, s.label);
  ds.identities.assign(max_label + 1, "");
  std::stable_sort(samples.begin(), samples.end(),
                   [](const Sample& a, const Sample& b) { return a.label < b.label; });
  for (const auto& s : samples)
    if (ds.identities[s.label].empty()) ds.identities[s.label] = fs::path(s.path).parent_path().filename().string();
  // Labels the file never uses keep a placeholder name so the numbering stays the file's.
  for (std::size_t i = 0; i < ds.identities.size(); ++i)
    if (ds.identities[i].empty()) ds.identities[i] = "label_" + std::to_string(i);
  ds.samples = std::move(samples);
  return ds;
}

void write_annotation(const Dataset& dataset, const std::string& path) {
  std::ostringstream out;
  for (const auto& s : dataset.samples) out << s.label << ";" << fs::absolute(s.path).string() << "\n";
  write_file_atomic(path, out.str());
}

std::vector<std::string> read_identity_list(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw Error("cannot read identity list '" + path + "'");
  std::vector<std::string> names;
  std::string line;
  bool first = true;
  while (std::getline(in, line)) {
    line = trim(line);
    if (line.empty()) continue;
    // peopleDevTrain.txt: a count line first, then `Name<TAB>count`.
    if (first && std::all_of(line.begin(), line.end(), [](unsigned char c) { return std::isdigit(c); })) {
      first = false;
      continue;
    }
    first = false;
    const auto tab = line.find('\t');
    names.push_back(trim(tab == std::string::npos ? line : line.substr(0, tab)));
  }
  return names;
}

Dataset keep_identities(const Dataset& dataset, const std::vector<std::string>& names) {
  const std::set<std::string> wanted(names.begin(), names.end());
  Dataset out;
  out.pack = dataset.pack;
  std::vector<int64_t> remap(dataset.identities.size(), -1);
  std::set<std::string> found;
  for (std::size_t i = 0; i < dataset.identities.size(); ++i) {
    if (!wanted.count(dataset.identities[i])) continue;
    remap[i] = out.num_classes();
    out.identities.push_back(dataset.identities[i]);
    found.insert(dataset.identities[i]);
  }
  for (const auto& s : dataset.samples)
    if (remap[s.label] >= 0) out.samples.push_back({s.path, remap[s.label], s.record});
  if (found.size() < wanted.size())
    spdlog::warn("[data] {} of {} listed identities are not in the dataset", wanted.size() - found.size(),
                 wanted.size());
  return out;
}

Dataset load_dataset(const DataConfig& config) {
  Dataset ds;
  std::string source;
  if (!config.annotation.empty()) {
    source = config.annotation;
    ds = read_annotation(config.annotation);
  } else if (!config.rec.empty()) {
    source = config.rec;
    ds = load_pack_dataset(config.rec);
  } else if (!config.root.empty() && is_pack(config.root)) {
    source = config.root;
    ds = load_pack_dataset(config.root);
  } else if (!config.root.empty()) {
    source = config.root;
    ScanOptions opts;
    opts.use_cache = config.cache_index;
    ds = scan_folder(config.root, opts);
  } else {
    throw ConfigError(
        "no dataset: set data.root (a folder tree or a pack folder), data.rec (an insightface train.rec) or "
        "data.annotation (a <label>;<path> file)");
  }
  if (!config.include_identities.empty()) {
    ds = keep_identities(ds, read_identity_list(config.include_identities));
    if (ds.samples.empty())
      throw Error("no images left in '" + source + "' after data.include_identities '" +
                  config.include_identities + "'");
  }
  spdlog::info("[data] {}: {}", source, describe(dataset_stats(ds)));
  return ds;
}

std::string sample_name(const Dataset& dataset, int64_t index) {
  const auto& s = dataset.samples.at(static_cast<std::size_t>(index));
  if (dataset.pack && s.record >= 0) return dataset.pack->describe(s.record);
  return s.path;
}

std::string read_sample_bytes(const Dataset& dataset, int64_t index) {
  const auto& s = dataset.samples.at(static_cast<std::size_t>(index));
  if (dataset.pack && s.record >= 0) return dataset.pack->read_image(s.record);
  return read_file(s.path);
}

namespace {

/// Renumbers the used labels of `samples` to 0..n-1, keeping their order.
Dataset relabel(const Dataset& full, std::vector<Sample> samples) {
  Dataset out;
  out.pack = full.pack;
  std::unordered_map<int64_t, int64_t> remap;
  for (auto& s : samples) {
    auto [it, added] = remap.emplace(s.label, out.num_classes());
    if (added) out.identities.push_back(full.identities[s.label]);
    s.label = it->second;
  }
  out.samples = std::move(samples);
  return out;
}

}  // namespace

Split split_dataset(const Dataset& dataset, double fraction, SplitBy by, uint64_t seed) {
  if (fraction < 0 || fraction >= 1) throw Error("validation split fraction must be in [0, 1)");
  std::mt19937_64 rng(seed);
  Split split;
  if (by == SplitBy::Image) {
    std::vector<int64_t> order(dataset.samples.size());
    std::iota(order.begin(), order.end(), 0);
    std::shuffle(order.begin(), order.end(), rng);
    const auto want = static_cast<int64_t>(std::llround(fraction * static_cast<double>(order.size())));
    std::vector<int64_t> left(dataset.identities.size(), 0);
    for (const auto& s : dataset.samples) ++left[s.label];
    std::vector<char> to_val(dataset.samples.size(), 0);
    int64_t taken = 0;
    for (auto i : order) {
      if (taken >= want) break;
      auto& n = left[dataset.samples[i].label];
      if (n <= 1) continue;  // keep every identity in training
      --n;
      to_val[i] = 1;
      ++taken;
    }
    split.train.identities = split.val.identities = dataset.identities;
    split.train.pack = split.val.pack = dataset.pack;
    for (std::size_t i = 0; i < dataset.samples.size(); ++i)
      (to_val[i] ? split.val : split.train).samples.push_back(dataset.samples[i]);
    return split;
  }
  std::vector<int64_t> ids(dataset.identities.size());
  std::iota(ids.begin(), ids.end(), 0);
  std::shuffle(ids.begin(), ids.end(), rng);
  const auto want = static_cast<std::size_t>(std::llround(fraction * static_cast<double>(ids.size())));
  std::vector<char> val_id(ids.size(), 0);
  for (std::size_t i = 0; i < want; ++i) val_id[ids[i]] = 1;
  std::vector<Sample> train, val;
  for (const auto& s : dataset.samples) (val_id[s.label] ? val : train).push_back(s);
  split.train = relabel(dataset, std::move(train));
  split.val = relabel(dataset, std::move(val));
  return split;
}

}  // namespace facenet::data
