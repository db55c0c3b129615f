#include "facenet/infer/gallery.h"

#include <fmt/format.h>

#include <cstring>
#include <nlohmann/json.hpp>

#include "facenet/core/crc32c.h"
#include "facenet/core/error.h"
#include "facenet/core/fs.h"

namespace facenet::infer {
namespace {

constexpr char kMagic[8] = {'F', 'N', 'G', 'A', 'L', 'L', 'R', 'Y'};
constexpr uint32_t kVersion = 1;

template <typename T>
void put(std::string& out, T v) {
  out.append(reinterpret_cast<const char*>(&v), sizeof(T));
}

template <typename T>
T get(const std::string& in, size_t at) {
  T v;
  std::memcpy(&v, in.data() + at, sizeof(T));
  return v;
}

}  // namespace

std::string model_digest(const std::string& model_path) {
  const auto bytes = read_file(model_path);
  return fmt::format("crc32c:{:08x}:{}", crc32c::value(bytes), bytes.size());
}

std::string gallery_to_bytes(const Gallery& g) {
  const auto rows = static_cast<size_t>(g.rows());
  if (g.embeddings.size() != rows * static_cast<size_t>(g.dim) || g.sources.size() != rows ||
      g.counts.size() != g.identities.size())
    throw Error("gallery: inconsistent arrays");
  nlohmann::json h;
  h["model_digest"] = g.model_digest;
  h["model"] = g.model;
  h["meta"] = nlohmann::json::parse(meta_to_json(g.meta));
  h["dim"] = g.dim;
  h["rows"] = rows;
  h["mean"] = g.mean;
  h["identities"] = g.identities;
  h["counts"] = g.counts;
  h["sources"] = g.sources;
  const auto header = h.dump();
  std::string out(kMagic, sizeof(kMagic));
  put<uint32_t>(out, kVersion);
  put<uint64_t>(out, header.size());
  out += header;
  out.append(reinterpret_cast<const char*>(g.labels.data()), rows * sizeof(int32_t));
  out.append(reinterpret_cast<const char*>(g.embeddings.data()), g.embeddings.size() * sizeof(float));
  put<uint32_t>(out, crc32c::value(out.data() + 8, out.size() - 8));
  return out;
}

Gallery gallery_from_bytes(const std::string& in, const std::string& origin) {
  auto fail = [&](const std::string& what) { return Error("gallery '" + origin + "': " + what); };
  if (in.size() < 24 || std::memcmp(in.data(), kMagic, sizeof(kMagic)) != 0)
    throw fail(in.size() < 8 ? "too short to be a gallery file (truncated?)" : "not a facenet gallery (bad magic)");
  const auto stored = get<uint32_t>(in, in.size() - 4);
  if (crc32c::value(in.data() + 8, in.size() - 12) != stored)
    throw fail("checksum mismatch (the file is corrupt or truncated)");
  const auto version = get<uint32_t>(in, 8);
  if (version != kVersion) throw fail(fmt::format("format version {} (this build reads {})", version, kVersion));
  const auto header_len = get<uint64_t>(in, 12);
  if (header_len > in.size() - 24) throw fail("header length past the end of the file");
  Gallery g;
  size_t rows = 0;
  try {
    const auto h = nlohmann::json::parse(in.substr(20, header_len));
    g.model_digest = h.at("model_digest").get<std::string>();
    g.model = h.at("model").get<std::string>();
    g.meta = meta_from_json(h.at("meta").dump(), origin);
    g.dim = h.at("dim").get<int64_t>();
    rows = h.at("rows").get<size_t>();
    g.mean = h.at("mean").get<bool>();
    g.identities = h.at("identities").get<std::vector<std::string>>();
    g.counts = h.at("counts").get<std::vector<int64_t>>();
    g.sources = h.at("sources").get<std::vector<std::string>>();
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    throw fail(std::string("bad header: ") + e.what());
  }
  const size_t arrays = rows * sizeof(int32_t) + rows * static_cast<size_t>(g.dim) * sizeof(float);
  if (g.dim <= 0 || 20 + header_len + arrays + 4 != in.size() || g.sources.size() != rows ||
      g.counts.size() != g.identities.size())
    throw fail(fmt::format("header ({} rows of {} values) does not match the file's {} bytes", rows, g.dim, in.size()));
  size_t at = 20 + header_len;
  g.labels.resize(rows);
  std::memcpy(g.labels.data(), in.data() + at, rows * sizeof(int32_t));
  at += rows * sizeof(int32_t);
  g.embeddings.resize(rows * static_cast<size_t>(g.dim));
  std::memcpy(g.embeddings.data(), in.data() + at, g.embeddings.size() * sizeof(float));
  for (auto l : g.labels)
    if (l < 0 || static_cast<size_t>(l) >= g.identities.size()) throw fail(fmt::format("row identity {} out of range", l));
  return g;
}

void save_gallery(const std::string& path, const Gallery& gallery) { write_file_atomic(path, gallery_to_bytes(gallery)); }

Gallery load_gallery(const std::string& path) { return gallery_from_bytes(read_file(path), path); }

void require_same_model(const Gallery& g, const std::string& gallery_path, const std::string& digest,
                        const std::string& model_path) {
  if (g.model_digest != digest)
    throw Error(fmt::format("gallery '{}' was made with another model ({} from '{}'; '{}' is {}): enroll again", gallery_path,
                            g.model_digest, g.model, model_path, digest));
}

}  // namespace facenet::infer
