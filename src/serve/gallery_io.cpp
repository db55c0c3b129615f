#include "facenet/serve/gallery_io.h"

#include <map>

namespace facenet::serve {

infer::Gallery collection_gallery(Store& store, const CollectionRow& collection, const std::string& model_path,
                                  const infer::ExportMeta& meta) {
  infer::Gallery g;
  g.model_digest = collection.model.digest;
  g.model = model_path;
  g.meta = meta;
  g.dim = collection.model.embedding_size;
  std::map<int64_t, int32_t> label_of;
  for (const auto& p : store.persons(collection.id)) {
    label_of[p.id] = static_cast<int32_t>(g.identities.size());
    g.identities.push_back(p.name);
    g.counts.push_back(0);
  }
  for (const auto& f : store.collection_faces(collection.id)) {
    const auto it = label_of.find(f.person);
    if (it == label_of.end() || static_cast<int64_t>(f.embedding.size()) != g.dim) continue;
    g.labels.push_back(it->second);
    ++g.counts[static_cast<size_t>(it->second)];
    g.sources.push_back(f.source);
    g.embeddings.insert(g.embeddings.end(), f.embedding.begin(), f.embedding.end());
  }
  return g;
}

}  // namespace facenet::serve
