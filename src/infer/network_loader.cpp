#include "facenet/infer/network_loader.h"

#include <torch/torch.h>

#include "facenet/data/preprocess.h"

namespace facenet::infer {

LoadedNetwork load_network(const std::string& path, InferenceDtype dtype, const PreprocessStatement& stated) {
  return network_formats().load(path, dtype, stated);
}

EmbeddingNetwork load_embedding_network(const std::string& path, int threads, InferenceDtype dtype,
                                        const PreprocessStatement& stated) {
  auto net = std::make_shared<LoadedNetwork>(load_network(path, dtype, stated));
  EmbeddingNetwork out;
  out.meta = net->meta;
  out.preprocess = net->meta.preprocess;
  out.embed = [net, threads](const std::vector<std::string>& paths, bool flipped) {
    return net->forward(data::load_images(paths, net->meta.preprocess, flipped, threads));
  };
  out.embed_bytes = [net, threads](const std::vector<std::string>& encoded, bool flipped) {
    return net->forward(data::decode_images(encoded, net->meta.preprocess, flipped, threads));
  };
  return out;
}

}  // namespace facenet::infer
