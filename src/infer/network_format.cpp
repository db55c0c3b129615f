#include "facenet/infer/network_format.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <fstream>

#include "builtin_formats.h"
#include "facenet/core/error.h"

namespace facenet::infer {
namespace {

std::string head_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot read '" + path + "'");
  std::string s(kSniffBytes, '\0');
  in.read(s.data(), static_cast<std::streamsize>(s.size()));
  s.resize(static_cast<size_t>(in.gcount()));
  return s;
}

template <class F>
std::string names_of(const std::vector<NetworkFormat>& rows, F&& keep, std::string NetworkFormat::*field) {
  std::string out;
  for (const auto& row : rows)
    if (keep(row)) out += (out.empty() ? "" : ", ") + row.*field;
  return out;
}

template <class T>
void take(T& part, T& offered, const std::string& format, const char* what) {
  if (!offered) return;
  if (part) throw Error("network format '" + format + "': a second " + what + " was registered");
  part = std::move(offered);
}

LoadedNetwork load_as(const NetworkFormat& row, const std::string& path, InferenceDtype dtype,
                      const PreprocessStatement& flags) {
  if (!row.load) throw Error("'" + path + "' is a " + row.kind + ", which facenet does not load");
  // Only a format that runs foreign models looks for a sidecar: a checkpoint beside a stray
  // x.preprocess.json is still the checkpoint.
  const auto stated = row.load_foreign ? with_sidecar(flags, path) : flags;
  if (!stated.empty() && !row.load_foreign)
    throw Error("'" + path + "' is a " + row.kind + ", which carries its own preprocessing: --input-size, --input-mean, --input-std, "
                "--channel-order, --crop and --preprocess are for ONNX models without facenet metadata");
  if (!stated.empty() && dtype != InferenceDtype::FP32)
    spdlog::info("[infer] runtime.inference_dtype {}: {} is a foreign {} model, run in fp32", to_string(dtype), path,
                 row.name);
  auto net = stated.empty() ? row.load(path, dtype) : row.load_foreign(path, stated);
  net.format = row.name;
  return net;
}

// The formats the inference layer loads by itself, one line each, in sniffing order. Writers
// and the formats of the layers above are added by them (exporting::formats()).
NetworkFormats builtin_formats() {
  NetworkFormats table;
  table.add(onnx_format());
  table.add(int8_format());  // before torchscript: an int8 model also holds extra/meta.json
  table.add(torchscript_format());
  table.add(checkpoint_format());
  return table;
}

}  // namespace

void NetworkFormats::add(NetworkFormat format) {
  if (format.name.empty()) throw Error("a network format needs a name");
  NetworkFormat* row = nullptr;
  for (auto& r : rows_)
    if (r.name == format.name) row = &r;
  if (!row) {
    rows_.push_back(std::move(format));
    return;
  }
  for (auto [part, offered] : {std::pair{&row->kind, &format.kind}, std::pair{&row->description, &format.description},
                               std::pair{&row->extension, &format.extension}})
    if (part->empty()) *part = std::move(*offered);
  take(row->sniff, format.sniff, row->name, "sniffing rule");
  take(row->load, format.load, row->name, "loader");
  take(row->load_foreign, format.load_foreign, row->name, "foreign loader");
  take(row->inspect, format.inspect, row->name, "inspection");
  take(row->write, format.write, row->name, "writer");
}

const NetworkFormat* NetworkFormats::find(const std::string& name) const {
  for (const auto& row : rows_)
    if (row.name == name) return &row;
  return nullptr;
}

const NetworkFormat& NetworkFormats::writer(const std::string& name) const {
  const auto* row = find(name);
  if (row && row->write) return *row;
  const auto writable = names_of(rows_, [](const NetworkFormat& f) { return bool(f.write); }, &NetworkFormat::name);
  throw ConfigError("export.format: " +
                    (row ? "'" + name + "' is read, not written" : "unknown format '" + name + "'") +
                    " (registered: " + writable + ")");
}

const NetworkFormat& NetworkFormats::format_of(const std::string& path) const {
  if (!std::filesystem::is_regular_file(path)) throw Error("model file '" + path + "' does not exist");
  const auto head = head_bytes(path);
  for (const auto& row : rows_)
    if (row.sniff && row.sniff(path, head)) return row;
  const auto kinds = names_of(rows_, [](const NetworkFormat& f) { return bool(f.sniff); }, &NetworkFormat::kind);
  throw Error("'" + path + "' is not a facenet model (expected one of: " + kinds + ")");
}

LoadedNetwork NetworkFormats::load(const std::string& path, InferenceDtype dtype, const PreprocessStatement& stated) const {
  return load_as(format_of(path), path, dtype, stated);
}

Inspection NetworkFormats::inspect(const NetworkFormat& format, const std::string& path,
                                   const PreprocessStatement& stated) const {
  if (format.inspect && stated.empty()) return format.inspect(path);
  const auto net = load_as(format, path, InferenceDtype::FP32, stated);
  const auto& m = net.meta;
  return {m, net.digest_verified,
          {{"threshold", fmt::format("{:.6f} ({} at FAR {})", m.threshold, to_string(m.distance), m.far_target)},
           {"source", m.source}}};
}

NetworkFormats& network_formats() {
  static NetworkFormats table = builtin_formats();
  return table;
}

}  // namespace facenet::infer
