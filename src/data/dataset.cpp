// Datasets over a source: the whole source, identity filtering, summary statistics and the
// seeded validation split.
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
#include "facenet/data/source_registry.h"
#include "text.h"

namespace facenet::data {
namespace fs = std::filesystem;

std::vector<std::vector<int64_t>> Dataset::by_identity() const {
  std::vector<std::vector<int64_t>> out(identities.size());
  for (int64_t i = 0; i < size(); ++i) out.at(samples[i].label).push_back(i);
  return out;
}

Dataset dataset_of(std::shared_ptr<const Source> source) {
  Dataset ds;
  ds.identities = source->identities();
  ds.samples.resize(static_cast<std::size_t>(source->size()));
  for (int64_t i = 0; i < source->size(); ++i) ds.samples[static_cast<std::size_t>(i)] = {i, source->label(i)};
  ds.source = std::move(source);
  return ds;
}

Dataset load_dataset(const DataConfig& config) { return load_dataset(open_source(config), config); }

Dataset load_dataset(const OpenedSource& opened, const DataConfig& config) {
  auto ds = dataset_of(opened.source);
  if (!config.include_identities.empty()) {
    ds = keep_identities(ds, read_identity_list(config.include_identities));
    if (ds.samples.empty())
      throw Error("no images left in '" + opened.location + "' after data.include_identities '" +
                  config.include_identities + "'");
  }
  spdlog::info("[data] {}: {}", opened.location, describe(dataset_stats(ds)));
  return ds;
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
  out.source = dataset.source;
  std::vector<int64_t> remap(dataset.identities.size(), -1);
  std::set<std::string> found;
  for (std::size_t i = 0; i < dataset.identities.size(); ++i) {
    if (!wanted.count(dataset.identities[i])) continue;
    remap[i] = out.num_classes();
    out.identities.push_back(dataset.identities[i]);
    found.insert(dataset.identities[i]);
  }
  for (const auto& s : dataset.samples)
    if (remap[s.label] >= 0) out.samples.push_back({s.item, remap[s.label]});
  if (found.size() < wanted.size())
    spdlog::warn("[data] {} of {} listed identities are not in the dataset", wanted.size() - found.size(),
                 wanted.size());
  return out;
}

namespace {

/// Renumbers the used labels of `samples` to 0..n-1, keeping their order.
Dataset relabel(const Dataset& full, std::vector<Sample> samples) {
  Dataset out;
  out.source = full.source;
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
    split.train.source = split.val.source = dataset.source;
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
