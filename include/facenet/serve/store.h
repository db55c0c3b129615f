#pragma once
// The gallery database of `facenet serve`: SQLite, the durable source of truth for collections,
// persons and face samples with their embeddings. Torch-free.
//
// Durability: WAL journal with synchronous=FULL. Each change is one transaction, committed (the
// WAL fsync'd) before the call returns, and the server replies only after that: a kill -9 or a
// power cut after a reply keeps the change; one before the commit leaves no trace of it (SQLite's
// atomic commit: a half-written transaction is rolled back from the WAL on the next open).
// NORMAL would skip the fsync at each commit and keep every change across a kill -9 (the WAL is
// in the OS's cache), but not across a power cut; an enrolment costs a forward pass, so the
// fsync (~1 ms) is not what limits the rate.
//
// One connection behind a mutex: calls from the server's threads are serialised (SQLite allows
// one writer anyway).
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "facenet/core/error.h"

struct sqlite3;

namespace facenet::serve {

/// Which network made a collection's embeddings: another one is refused (409).
struct ModelIdentity {
  std::string digest;   ///< infer::model_digest of the file
  std::string backbone;
  int64_t embedding_size = 0;
  int64_t input_size = 0;
  bool operator==(const ModelIdentity& o) const {
    return digest == o.digest && backbone == o.backbone && embedding_size == o.embedding_size &&
           input_size == o.input_size;
  }
  /// "mobilenet, 128-d, 160 px, crc32c:...".
  std::string describe() const;
};

struct CollectionRow {
  int64_t id = 0;
  std::string name;
  ModelIdentity model;
  double threshold = 0;  ///< cosine similarity at or above which a probe is that person
  int64_t persons = 0;
  int64_t faces = 0;
  std::string created;   ///< UTC, ISO 8601
};

struct PersonRow {
  int64_t id = 0;
  int64_t collection = 0;
  std::string name;
  int64_t faces = 0;
  std::string created;
};

struct FaceRow {
  int64_t id = 0;
  int64_t person = 0;
  std::string source;           ///< the uploaded file's name (or the .fgal row's source)
  std::vector<float> embedding;  ///< unit norm
  std::string created;
};

/// A name already used by another collection (or person of the collection): 409.
class NameTaken : public Error {
 public:
  using Error::Error;
};

class Store {
 public:
  /// Opens or creates `path` (schema, WAL, synchronous=FULL, foreign keys on). Throws
  /// facenet::Error naming the file when it is not a database or cannot be written.
  explicit Store(const std::string& path);
  ~Store();  ///< closes the connection (a WAL checkpoint)
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  const std::string& path() const { return path_; }

  std::vector<CollectionRow> collections();
  std::optional<CollectionRow> collection(int64_t id);
  CollectionRow create_collection(const std::string& name, const ModelIdentity& model, double threshold);
  /// False when there is no such collection.
  bool update_collection(int64_t id, const std::optional<std::string>& name, const std::optional<double>& threshold);
  bool delete_collection(int64_t id);  ///< its persons and faces too

  std::vector<PersonRow> persons(int64_t collection);
  std::optional<PersonRow> person(int64_t collection, int64_t id);
  PersonRow create_person(int64_t collection, const std::string& name);
  bool rename_person(int64_t collection, int64_t id, const std::string& name);
  bool delete_person(int64_t collection, int64_t id);  ///< its faces too

  /// Adds faces to a person in one transaction; the new rows (ids set).
  std::vector<FaceRow> add_faces(int64_t person, std::vector<FaceRow> faces);
  /// A person's faces (embeddings included when `embeddings`).
  std::vector<FaceRow> faces(int64_t person, bool embeddings = false);
  bool delete_face(int64_t person, int64_t id);
  /// Every face of a collection with its embedding (the index is rebuilt from them).
  std::vector<FaceRow> collection_faces(int64_t collection);

  /// Persons and faces created by name in one transaction (a .fgal import): for each row,
  /// the person named names[labels[i]] (created when missing) gets the face.
  int64_t import_faces(int64_t collection, const std::vector<std::string>& names, const std::vector<int32_t>& labels,
                       const std::vector<std::string>& sources, const std::vector<float>& embeddings, int64_t dim);

  struct Statement;  ///< a prepared statement (store.cpp)

 private:
  void exec(const std::string& sql);
  /// The faces whose `column` (of faces f joined with persons p) equals `key`, by id.
  std::vector<FaceRow> face_rows(const std::string& column, int64_t key, bool embeddings);
  std::string path_;
  sqlite3* db_ = nullptr;
  std::unique_ptr<std::mutex> mutex_;
};

}  // namespace facenet::serve
