#include "facenet/core/state_dict_file.h"

#include <caffe2/serialize/inline_container.h>
#include <torch/csrc/jit/serialization/unpickler.h>
#include <torch/serialize.h>

#include <cstring>
#include <map>
#include <memory>
#include <vector>

#include "facenet/core/error.h"
#include "facenet/core/zip_digest.h"
#include "facenet/core/fs.h"
#include "facenet/core/script_archive.h"
#include "python_pickle.h"

namespace facenet {
namespace {

/// `pickle` through LibTorch's unpickler, its tensors' storages given by `record` (by key).
c10::IValue unpickle(const std::string& pickle, const std::function<at::DataPtr(const std::string&)>& record) {
  size_t pos = 0;
  auto read = [&](char* buf, size_t n) {
    const size_t k = std::min(n, pickle.size() - pos);
    std::memcpy(buf, pickle.data() + pos, k);
    pos += k;
    return k;
  };
  torch::jit::Unpickler unpickler(read, nullptr, nullptr, record, torch::Device(torch::kCPU));
  return unpickler.parse_ivalue();
}

// torch.save's zip archive with its data.pkl rewritten by plain_dicts_pickle; tensors are
// read from the archive's data/<key> records, as torch::pickle_load does.
c10::IValue load_python_zip(const std::string& path) {
  caffe2::serialize::PyTorchStreamReader reader(path);
  const auto [data, size] = reader.getRecord("data.pkl");
  return unpickle(plain_dicts_pickle(std::string(static_cast<const char*>(data.get()), size)),
                  [&](const std::string& name) { return std::get<0>(reader.getRecord("data/" + name)); });
}

// torch.save before PyTorch 1.6 (and with _use_new_zipfile_serialization=False): five pickles in
// a row (the magic number, the protocol version, the system info, the object, the sorted storage
// keys), then each storage as a little-endian int64 element count and its raw bytes.
bool is_legacy_torch_file(const std::string& text) {
  static const char magic[] = "\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19";
  return text.size() > sizeof(magic) - 1 && std::memcmp(text.data(), magic, sizeof(magic) - 1) == 0;
}

c10::IValue load_legacy(const std::string& text, const std::string& path) {
  std::vector<std::string> pickles;
  uint64_t at = 0;
  for (int k = 0; k < 5; ++k) {
    const auto end = pickle_end(text, at, path);
    pickles.push_back(text.substr(at, end - at));
    at = end;
  }
  const auto object = plain_dicts_pickle(pickles[3]);
  const auto keys_value = unpickle(plain_dicts_pickle(pickles[4]), nullptr);
  if (!keys_value.isList()) throw Error("the storage key list is a " + keys_value.tagKind() + ", not a list");
  // First pass without data: each storage's element type and byte size as the object claims them.
  // A storage's data pointer is empty; its context names the key.
  std::map<std::string, std::unique_ptr<std::string>> names;
  auto named = [&](const std::string& key) {
    auto& name = names[key];
    if (!name) name = std::make_unique<std::string>(key);
    return at::DataPtr(nullptr, name.get(), [](void*) {}, at::Device(at::kCPU));
  };
  const auto shapes = unpickle(object, named);
  std::map<std::string, std::pair<size_t, size_t>> claimed;  // key -> (element size, bytes)
  if (shapes.isGenericDict())
    for (const auto& item : shapes.toGenericDict())
      if (item.value().isTensor()) {
        const auto& t = item.value().toTensor();
        const auto* key = static_cast<const std::string*>(t.storage().data_ptr().get_context());
        if (key) claimed[*key] = {t.element_size(), t.storage().nbytes()};
      }
  // The storages' bytes, in the key list's order.
  std::map<std::string, std::pair<uint64_t, uint64_t>> where;  // key -> (offset, bytes)
  for (const c10::IValue k : keys_value.toList()) {
    if (!k.isString()) throw Error("a storage key is a " + k.tagKind() + ", not a string");
    const auto& key = k.toStringRef();
    auto it = claimed.find(key);
    if (it == claimed.end()) throw Error("storage '" + key + "' belongs to no tensor of the dict");
    if (text.size() - at < 8) throw Error("storage '" + key + "' is cut off (the file ends at byte " + std::to_string(at) + ")");
    int64_t numel = 0;
    std::memcpy(&numel, text.data() + at, 8);
    at += 8;
    const auto [item, bytes] = it->second;
    if (numel < 0 || static_cast<uint64_t>(numel) > (text.size() - at) / item)
      throw Error("storage '" + key + "' claims " + std::to_string(numel) + " elements where " +
                  std::to_string((text.size() - at) / item) + " remain");
    if (static_cast<uint64_t>(numel) * item != bytes)
      throw Error("storage '" + key + "' holds " + std::to_string(numel) + " elements where its tensor needs " +
                  std::to_string(bytes / item));
    where[key] = {at, bytes};
    at += bytes;
  }
  // Second pass with the data.
  auto data = [&](const std::string& key) {
    auto it = where.find(key);
    if (it == where.end()) throw Error("storage '" + key + "' is not in the file's storage list");
    auto* copy = new std::string(text.substr(it->second.first, it->second.second));
    return at::DataPtr(copy->data(), copy, [](void* p) { delete static_cast<std::string*>(p); }, at::Device(at::kCPU));
  };
  return unpickle(object, data);
}

}  // namespace

NamedTensors read_state_dict(const std::string& path) {
  const auto text = read_file(path);
  // Zip's own CRC-32 per entry, which LibTorch's reader skips: a flipped byte in a downloaded
  // backbone.pth is refused here rather than loaded as different weights.
  if (text.rfind("PK\x03\x04", 0) == 0) verify_zip_entries(path);
  c10::IValue value;
  try {
    // Python's state_dict() is an OrderedDict, which LibTorch's unpickler cannot rebuild.
    if (is_legacy_torch_file(text)) {
      value = load_legacy(text, path);
    } else if (text.rfind("PK\x03\x04", 0) == 0 && text.find("collections\nOrderedDict") != std::string::npos) {
      value = load_python_zip(path);
    } else {
      // LibTorch's unpickler trusts the pickle's stack use (a REDUCE on an empty stack reads
      // outside it and crashes): data.pkl goes through plain_dicts_pickle's checks first.
      caffe2::serialize::PyTorchStreamReader reader(path);
      const auto [data, size] = reader.getRecord("data.pkl");
      (void)plain_dicts_pickle(std::string(static_cast<const char*>(data.get()), size));
      value = torch::pickle_load(std::vector<char>(text.begin(), text.end()));
    }
  } catch (const std::exception& e) {
    throw Error("'" + path + "' is not a readable PyTorch state dict (torch.save / pickle): " +
                error_message(e).substr(0, 200));
  }
  if (!value.isGenericDict()) throw Error("'" + path + "' holds a " + value.tagKind() + ", not a name -> tensor dict");
  NamedTensors out;
  for (const auto& item : value.toGenericDict()) {
    if (!item.key().isString() || !item.value().isTensor())
      throw Error("'" + path + "': entry '" + (item.key().isString() ? item.key().toStringRef() : item.key().tagKind()) +
                  "' is not a name -> tensor pair");
    out.emplace_back(item.key().toStringRef(), item.value().toTensor());
  }
  return out;
}

}  // namespace facenet
