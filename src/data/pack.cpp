// insightface / MXNet training packs: the compact random-access reader and the digest file.
#include "facenet/data/pack.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <numeric>

#include "facenet/core/error.h"
#include "facenet/core/fs.h"
#include "parallel.h"

namespace facenet::data {
namespace fs = std::filesystem;

namespace {

struct IdxEntry {
  uint64_t key;
  uint64_t offset;
  int64_t line;
};

/// Parses `key<TAB>offset` lines (any blanks between; blank lines skipped).
std::vector<IdxEntry> read_idx(const std::string& path, uint64_t rec_size, const std::string& rec_path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) throw Error("cannot open pack index '" + path + "': " + std::strerror(errno));
  std::vector<IdxEntry> out;
  std::string carry;
  std::vector<char> buf(1 << 20);
  int64_t lineno = 0;
  auto parse_line = [&](const char* b, const char* e) {
    ++lineno;
    while (e > b && (e[-1] == '\r' || e[-1] == ' ' || e[-1] == '\t')) --e;
    while (b < e && (*b == ' ' || *b == '\t')) ++b;
    if (b == e) return;
    const auto where = path + ":" + std::to_string(lineno);
    IdxEntry entry{0, 0, lineno};
    auto r1 = std::from_chars(b, e, entry.key);
    const char* p = r1.ptr;
    const char* sep = p;
    while (p < e && (*p == ' ' || *p == '\t')) ++p;
    if (r1.ec != std::errc() || p == sep)
      throw Error(where + ": expected '<record key><TAB><byte offset>', got '" + std::string(b, e) + "'");
    auto r2 = std::from_chars(p, e, entry.offset);
    if (r2.ec != std::errc() || r2.ptr != e)
      throw Error(where + ": expected '<record key><TAB><byte offset>', got '" + std::string(b, e) + "'");
    if (entry.key > 0xffffffffull) throw Error(where + ": record key " + std::to_string(entry.key) + " is too large");
    if (entry.offset >= rec_size)
      throw Error(where + ": byte offset " + std::to_string(entry.offset) + " is beyond the end of '" + rec_path +
                  "' (" + std::to_string(rec_size) + " bytes)");
    if (entry.offset % 4 != 0)
      throw Error(where + ": byte offset " + std::to_string(entry.offset) + " is not a multiple of 4");
    out.push_back(entry);
  };
  for (;;) {
    const auto n = std::fread(buf.data(), 1, buf.size(), f);
    if (n == 0) break;
    const char* b = buf.data();
    const char* e = b + n;
    for (const char* nl; (nl = static_cast<const char*>(std::memchr(b, '\n', static_cast<std::size_t>(e - b))));) {
      if (!carry.empty()) {
        carry.append(b, nl);
        parse_line(carry.data(), carry.data() + carry.size());
        carry.clear();
      } else {
        parse_line(b, nl);
      }
      b = nl + 1;
    }
    carry.append(b, e);
    if (carry.size() > 4096) throw Error(path + ":" + std::to_string(lineno + 1) + ": line too long (not an index file?)");
  }
  const bool read_error = std::ferror(f);
  std::fclose(f);
  if (read_error) throw Error("read error on '" + path + "'");
  if (!carry.empty()) parse_line(carry.data(), carry.data() + carry.size());
  if (out.empty()) throw Error("pack index '" + path + "' lists no records");
  return out;
}

/// A float label as a non-negative integer (< 2^31), or -1.
int64_t integral_label(float f) {
  if (!std::isfinite(f) || f < 0 || f >= 2147483648.f || std::floor(f) != f) return -1;
  return static_cast<int64_t>(f);
}

std::string lower_ext(const fs::path& p) {
  auto e = p.extension().string();
  std::transform(e.begin(), e.end(), e.begin(), [](unsigned char c) { return std::tolower(c); });
  return e;
}

}  // namespace

// ---- reader ----

namespace {
std::string rec_of(const std::string& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) return (fs::path(path) / "train.rec").string();
  return path;
}
/// facenet.digest's lines: file name -> (crc32c hex, size).
std::map<std::string, std::pair<std::string, uint64_t>> read_pack_digest(const fs::path& file) {
  std::map<std::string, std::pair<std::string, uint64_t>> out;
  std::ifstream in(file);
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    std::istringstream ls(line);
    std::string name, kind, crc, size_word;
    uint64_t size = 0;
    if (!(ls >> name >> kind >> crc >> size_word >> size) || kind != "crc32c" || size_word != "size")
      throw Error(file.string() + ":" + std::to_string(n) + ": expected '<file> crc32c <hex> size <bytes>'");
    out[name] = {crc, size};
  }
  return out;
}

std::string digest_line(const fs::path& file) {
  return file.filename().string() + " crc32c " + fmt::format("{:08x}", file_crc32c(file.string())) + " size " +
         std::to_string(fs::file_size(file)) + "\n";
}

/// Throws naming `file` when its size or CRC differs from the digest's record of it.
void check_against(const fs::path& file, const std::pair<std::string, uint64_t>& recorded, const fs::path& digest) {
  const auto size = fs::file_size(file);
  const auto crc = fmt::format("{:08x}", file_crc32c(file.string()));
  if (size != recorded.second || crc != recorded.first)
    throw Error("'" + file.string() + "' is damaged: it does not match " + digest.string() + " (size " +
                std::to_string(size) + ", CRC-32C " + crc + "; recorded " + std::to_string(recorded.second) + ", " +
                recorded.first + "). Use another copy, or repack");
}

}  // namespace

void write_pack_digest(const std::string& folder) {
  const fs::path dir(folder);
  std::string text;
  for (const char* name : {"train.rec", "train.idx", "property"})
    if (fs::exists(dir / name)) text += digest_line(dir / name);
  write_file_atomic((dir / kPackDigestFile).string(), text);
}

bool verify_pack_records(const PackReader& pack) {
  const fs::path rec(pack.rec_path());
  const auto digest = rec.parent_path() / kPackDigestFile;
  if (!fs::exists(digest)) return false;
  const auto recorded = read_pack_digest(digest);
  const auto it = recorded.find(rec.filename().string());
  if (it == recorded.end()) return false;
  check_against(rec, it->second, digest);
  return true;
}

PackReader::PackReader(const std::string& path) : file_(rec_of(path)) {
  const fs::path rec(file_.path());
  idx_path_ = fs::path(rec).replace_extension(".idx").string();
  const auto property_path = (rec.parent_path() / "property").string();
  std::error_code ec;
  if (!fs::exists(idx_path_, ec)) throw Error("pack index '" + idx_path_ + "' is missing (next to '" + rec.string() + "')");
  // A pack written by facenet pack records its files' digests: the index and property are
  // checked here (small), train.rec by verify_pack_records (a full read) and its size here.
  if (const auto digest = rec.parent_path() / kPackDigestFile; fs::exists(digest, ec)) {
    const auto recorded = read_pack_digest(digest);
    for (const auto& file : {fs::path(idx_path_), fs::path(property_path)})
      if (const auto it = recorded.find(file.filename().string()); it != recorded.end()) check_against(file, it->second, digest);
    if (const auto it = recorded.find(rec.filename().string()); it != recorded.end() && it->second.second != file_.size())
      throw Error("'" + rec.string() + "' is damaged: " + std::to_string(file_.size()) + " bytes, " + digest.string() +
                  " records " + std::to_string(it->second.second));
    digest_verified_ = true;
  }
  auto entries = read_idx(idx_path_, file_.size(), file_.path());
  std::stable_sort(entries.begin(), entries.end(), [](const IdxEntry& a, const IdxEntry& b) { return a.key < b.key; });
  for (std::size_t i = 1; i < entries.size(); ++i)
    if (entries[i].key == entries[i - 1].key)
      throw Error(idx_path_ + ":" + std::to_string(entries[i].line) + ": record key " + std::to_string(entries[i].key) +
                  " repeats line " + std::to_string(entries[i - 1].line));
  auto find = [&](uint64_t key) -> const IdxEntry* {
    auto it = std::lower_bound(entries.begin(), entries.end(), key,
                               [](const IdxEntry& e, uint64_t k) { return e.key < k; });
    return it != entries.end() && it->key == key ? &*it : nullptr;
  };
  auto where = [&](const IdxEntry& e) {
    return file_.path() + ": record " + std::to_string(e.key) + " at byte offset " + std::to_string(e.offset);
  };

  // property: `num_identities,height,width`.
  int64_t property_ids = -1;
  if (fs::exists(property_path, ec)) {
    std::ifstream in(property_path);
    std::string line;
    std::getline(in, line);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    long long n = -1, h = -1, w = -1;
    char tail = 0;
    if (std::sscanf(line.c_str(), "%lld,%lld,%lld%c", &n, &h, &w, &tail) != 3 || n < 0 || h < 0 || w < 0)
      throw Error(property_path + ":1: expected '<num_identities>,<height>,<width>', got '" + line + "'");
    property_ids = n;
    height_ = h;
    width_ = w;
  }

  // insightface's header record: key 0, flag >= 2, labels (first, end), no image bytes.
  int64_t first = 0, end = 0;
  if (const auto* e0 = find(0)) {
    const auto rec0 = file_.read(e0->offset, nullptr, 4096);
    if (rec0.size() >= recordio::kIRHeaderSize) {
      std::string_view data;
      const auto h = recordio::unpack(rec0, &data, where(*e0));
      if (h.flag >= 2 && data.empty()) {
        first = integral_label(h.labels[0]);
        end = integral_label(h.labels[1]);
        has_header_ = first >= 1 && end >= first;
        if (!has_header_)
          throw Error(where(*e0) + ": header record labels (" + std::to_string(h.labels[0]) + ", " +
                      std::to_string(h.labels[1]) + ") are not a record range (first >= 1, end >= first)");
      }
    }
  }

  if (has_header_) {
    if (property_ids < 0) throw Error("pack property file '" + property_path + "' is missing");
    // One identity record per identity: its image records' range [start, stop); the label is
    // the first image's own IRHeader label (insightface numbers identities 0.. in this order).
    std::vector<int64_t> seen_label;
    for (int64_t k = first; k < end; ++k) {
      const auto* e = find(static_cast<uint64_t>(k));
      if (!e) throw Error(idx_path_ + ": identity record " + std::to_string(k) + " (header range [" +
                          std::to_string(first) + ", " + std::to_string(end) + ")) is not in the index");
      const auto rec = file_.read(e->offset, nullptr, 256);
      const auto h = recordio::unpack(rec, nullptr, where(*e));
      if (h.flag < 2)
        throw Error(where(*e) + ": identity record has flag " + std::to_string(h.flag) + " (expected 2 labels)");
      const auto start = integral_label(h.labels[0]), stop = integral_label(h.labels[1]);
      if (start < 1 || stop < start || stop > first)
        throw Error(where(*e) + ": identity range (" + std::to_string(h.labels[0]) + ", " +
                    std::to_string(h.labels[1]) + ") is not within the image records [1, " + std::to_string(first) + ")");
      if (start == stop) continue;
      int64_t label = -1;
      for (int64_t r = start; r < stop; ++r) {
        const auto* img = find(static_cast<uint64_t>(r));
        if (!img) throw Error(idx_path_ + ": image record " + std::to_string(r) + " (identity record " +
                              std::to_string(k) + ") is not in the index");
        if (label < 0) {
          // A bad first record: fall back to the identity's position (insightface's numbering).
          try {
            const auto ih = recordio::unpack(file_.read(img->offset, nullptr, 256), nullptr, where(*img));
            label = integral_label(ih.first_label());
          } catch (const Error& err) {
            spdlog::warn("[data] {}", err.what());
          }
          if (label < 0) label = k - first;
          if (label >= std::max(end - first, property_ids))
            throw Error(where(*img) + ": label " + std::to_string(label) + " is not below the " +
                        std::to_string(std::max(end - first, property_ids)) + " identities of the header record");
        }
        offsets_.push_back(img->offset);
        keys_.push_back(static_cast<uint32_t>(r));
        labels_.push_back(static_cast<int32_t>(label));
      }
    }
  } else {
    // Every record is an image: read each IRHeader's label through the index.
    const auto n = static_cast<int64_t>(entries.size());
    std::vector<int32_t> labels(entries.size(), -1);
    std::vector<std::string> problems(entries.size());
    parallel_for(n, std::min<int64_t>(4, resolve_threads(0)), [&](int64_t i) {
      const auto& e = entries[static_cast<std::size_t>(i)];
      try {
        const auto h = recordio::unpack(file_.read(e.offset, nullptr, 256), nullptr, where(e));
        const auto l = integral_label(h.first_label());
        if (l < 0) throw Error(where(e) + ": label " + std::to_string(h.first_label()) + " is not a non-negative integer");
        labels[static_cast<std::size_t>(i)] = static_cast<int32_t>(l);
      } catch (const Error& err) {
        problems[static_cast<std::size_t>(i)] = err.what();
      }
    });
    int64_t skipped = 0;
    for (std::size_t i = 0; i < entries.size(); ++i) {
      if (labels[i] < 0) {
        if (skipped++ < 5) spdlog::warn("[data] skipping an unreadable pack record: {}", problems[i]);
        continue;
      }
      offsets_.push_back(entries[i].offset);
      keys_.push_back(static_cast<uint32_t>(entries[i].key));
      labels_.push_back(labels[i]);
    }
    if (skipped) spdlog::warn("[data] {}: skipped {} unreadable records of {}", file_.path(), skipped, entries.size());
    // Order by label, then record key (the Dataset convention).
    std::vector<std::size_t> order(offsets_.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return labels_[a] < labels_[b]; });
    auto permute = [&](auto& v) {
      std::remove_reference_t<decltype(v)> out(v.size());
      for (std::size_t i = 0; i < order.size(); ++i) out[i] = v[order[i]];
      v.swap(out);
    };
    permute(offsets_);
    permute(keys_);
    permute(labels_);
  }
  if (offsets_.empty()) throw Error("pack '" + file_.path() + "' holds no images");
  int64_t max_label = 0;
  for (const auto l : labels_) max_label = std::max<int64_t>(max_label, l);
  // Labels far beyond the image count are corruption, not identities (and would cost memory).
  if (property_ids > 4 * num_images() + 1024) {
    spdlog::warn("[data] {}: ignoring property's {} identities for {} images", property_path, property_ids,
                 num_images());
    property_ids = -1;
  }
  const int64_t label_limit = std::max<int64_t>(property_ids, 4 * num_images() + 1024);
  if (max_label >= label_limit)
    throw Error(file_.path() + ": label " + std::to_string(max_label) + " is implausible for " +
                std::to_string(num_images()) + " images (a corrupt record header?)");
  num_identities_ = std::max<int64_t>(max_label + 1, property_ids);
  if (property_ids >= 0 && property_ids < max_label + 1)
    spdlog::warn("[data] {} says {} identities but labels go up to {}", property_path, property_ids, max_label);
}

std::vector<std::vector<int64_t>> PackReader::by_identity() const {
  std::vector<std::vector<int64_t>> out(static_cast<std::size_t>(num_identities_));
  for (std::size_t i = 0; i < labels_.size(); ++i) out[static_cast<std::size_t>(labels_[i])].push_back(int64_t(i));
  return out;
}

std::string PackReader::describe(int64_t image) const {
  return file_.path() + "#" + std::to_string(record(image));
}

std::string PackReader::read_record(int64_t image) const { return file_.read(offset(image)); }

std::string PackReader::read_image(int64_t image) const {
  const auto rec = read_record(image);
  std::string_view data;
  recordio::unpack(rec, &data,
                   file_.path() + ": record " + std::to_string(record(image)) + " at byte offset " +
                       std::to_string(offset(image)));
  return std::string(data);
}

bool is_pack(const std::string& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) return fs::is_regular_file(fs::path(path) / "train.rec", ec);
  return lower_ext(path) == ".rec";
}

}  // namespace facenet::data
