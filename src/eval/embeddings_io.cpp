#include "facenet/eval/embeddings_io.h"

#include <torch/torch.h>

#include <cstring>
#include <sstream>

#include "facenet/core/error.h"
#include "facenet/core/fs.h"

namespace facenet::eval {
namespace {
constexpr int64_t kFormatVersion = 1;
}

void save_embeddings(const std::string& path, const EmbeddingSet& set) {
  TORCH_CHECK(set.plain.defined() && set.plain.dim() == 2 &&
                  set.plain.size(0) == static_cast<int64_t>(set.images.size()),
              "save_embeddings: plain must be (", set.images.size(), ", D)");
  TORCH_CHECK(!set.flipped.defined() || set.flipped.sizes() == set.plain.sizes(),
              "save_embeddings: flipped must match plain's shape");
  std::string joined;
  for (const auto& image : set.images) {
    TORCH_CHECK(image.find('\n') == std::string::npos, "save_embeddings: image name with a newline");
    joined += (joined.empty() ? "" : "\n") + image;
  }
  torch::serialize::OutputArchive archive;
  archive.write("format_version", torch::tensor({kFormatVersion}, torch::kLong));
  archive.write("plain", set.plain.detach().to(torch::kCPU, torch::kFloat).contiguous());
  if (set.flipped.defined())
    archive.write("flipped", set.flipped.detach().to(torch::kCPU, torch::kFloat).contiguous());
  auto bytes = torch::empty({static_cast<int64_t>(joined.size())}, torch::kUInt8);
  std::memcpy(bytes.data_ptr<uint8_t>(), joined.data(), joined.size());
  archive.write("images", bytes);
  // Serialised in memory, then written by us: LibTorch's file writer throws from a destructor
  // when the disk is full, which would end the process instead of reporting it.
  std::ostringstream serialised;
  archive.save_to(serialised);
  write_file_atomic(path, serialised.str());
}

EmbeddingSet load_embeddings(const std::string& path) {
  torch::serialize::InputArchive archive;
  EmbeddingSet set;
  torch::Tensor version, bytes;
  try {
    archive.load_from(path);
    if (!archive.try_read("format_version", version) || !archive.try_read("plain", set.plain) ||
        !archive.try_read("images", bytes))
      throw Error("'" + path + "' is not a facenet embeddings file (missing format_version/plain/images)");
  } catch (const c10::Error& e) {
    throw Error("cannot read embeddings file '" + path + "': " + e.what_without_backtrace());
  }
  if (version.numel() != 1 || version.item<int64_t>() != kFormatVersion)
    throw Error("'" + path + "': unsupported embeddings format version");
  if (!archive.try_read("flipped", set.flipped)) set.flipped = torch::Tensor();
  const std::string joined(reinterpret_cast<const char*>(bytes.data_ptr<uint8_t>()), static_cast<std::size_t>(bytes.numel()));
  if (!joined.empty()) {
    std::istringstream in(joined);
    for (std::string line; std::getline(in, line);) set.images.push_back(line);
  }
  if (set.plain.dim() != 2 || set.plain.size(0) != static_cast<int64_t>(set.images.size()) ||
      (set.flipped.defined() && set.flipped.sizes() != set.plain.sizes()))
    throw Error("'" + path + "': embeddings and image names do not match (" + std::to_string(set.images.size()) +
                " names)");
  return set;
}

}  // namespace facenet::eval
