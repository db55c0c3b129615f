#include "facenet/serve/store.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sqlite3.h>

#include <cstring>
#include <functional>
#include <map>

namespace facenet::serve {

std::string ModelIdentity::describe() const {
  return fmt::format("{}, {}-d, {} px, {}", backbone, embedding_size, input_size, digest);
}

namespace {

constexpr const char* kSchema = R"SQL(
CREATE TABLE IF NOT EXISTS collections (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL UNIQUE,
  model_digest TEXT NOT NULL,
  backbone TEXT NOT NULL,
  embedding_size INTEGER NOT NULL,
  input_size INTEGER NOT NULL,
  threshold REAL NOT NULL,
  created TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')));
CREATE TABLE IF NOT EXISTS persons (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  collection_id INTEGER NOT NULL REFERENCES collections(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  created TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
  UNIQUE (collection_id, name));
CREATE TABLE IF NOT EXISTS faces (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  person_id INTEGER NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
  source TEXT NOT NULL,
  embedding BLOB NOT NULL,
  created TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')));
CREATE INDEX IF NOT EXISTS persons_by_collection ON persons(collection_id);
CREATE INDEX IF NOT EXISTS faces_by_person ON faces(person_id);
)SQL";

}  // namespace

/// One prepared statement, finalised when it goes out of scope.
struct Store::Statement {
  Statement(sqlite3* db, const std::string& sql, const std::string& path) : db_(db), path_(path) {
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK)
      throw Error(fmt::format("database '{}': {}", path, sqlite3_errmsg(db)));
  }
  ~Statement() { sqlite3_finalize(stmt); }
  Statement& bind(int i, int64_t v) {
    sqlite3_bind_int64(stmt, i, v);
    return *this;
  }
  Statement& bind(int i, double v) {
    sqlite3_bind_double(stmt, i, v);
    return *this;
  }
  Statement& bind(int i, const std::string& v) {
    sqlite3_bind_text(stmt, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Statement& bind_blob(int i, const std::vector<float>& v) {
    sqlite3_bind_blob(stmt, i, v.data(), static_cast<int>(v.size() * sizeof(float)), SQLITE_TRANSIENT);
    return *this;
  }
  /// True while there is a row; throws NameTaken on a UNIQUE violation, Error otherwise.
  bool step() {
    const int rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    if (sqlite3_extended_errcode(db_) == SQLITE_CONSTRAINT_UNIQUE) throw NameTaken("the name is already taken");
    throw Error(fmt::format("database '{}': {}", path_, sqlite3_errmsg(db_)));
  }
  int64_t integer(int col) const { return sqlite3_column_int64(stmt, col); }
  double real(int col) const { return sqlite3_column_double(stmt, col); }
  std::string text(int col) const {
    const auto* p = sqlite3_column_text(stmt, col);
    return p ? std::string(reinterpret_cast<const char*>(p), sqlite3_column_bytes(stmt, col)) : std::string();
  }
  std::vector<float> floats(int col) const {
    const auto bytes = static_cast<size_t>(sqlite3_column_bytes(stmt, col));
    std::vector<float> v(bytes / sizeof(float));
    if (!v.empty()) std::memcpy(v.data(), sqlite3_column_blob(stmt, col), v.size() * sizeof(float));
    return v;
  }
  sqlite3_stmt* stmt = nullptr;
  sqlite3* db_;
  const std::string& path_;
};

namespace {
/// BEGIN IMMEDIATE ... COMMIT, rolled back when an exception leaves the scope.
class Transaction {
 public:
  explicit Transaction(const std::function<void(const std::string&)>& exec) : exec_(exec) { exec_("BEGIN IMMEDIATE"); }
  void commit() {
    exec_("COMMIT");
    done_ = true;
  }
  ~Transaction() {
    if (!done_) try {
        exec_("ROLLBACK");
      } catch (...) {
      }
  }

 private:
  std::function<void(const std::string&)> exec_;
  bool done_ = false;
};
}  // namespace

void Store::exec(const std::string& sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    const std::string what = err ? err : sqlite3_errmsg(db_);
    sqlite3_free(err);
    throw Error(fmt::format("database '{}': {}", path_, what));
  }
}

Store::Store(const std::string& path) : path_(path), mutex_(std::make_unique<std::mutex>()) {
  if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                      nullptr) != SQLITE_OK) {
    const std::string what = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    throw Error(fmt::format("database '{}': cannot open: {}", path, what));
  }
  sqlite3_busy_timeout(db_, 5000);
  try {
    exec("PRAGMA journal_mode=WAL");
    exec("PRAGMA synchronous=FULL");
    exec("PRAGMA foreign_keys=ON");
    exec(kSchema);
  } catch (const Error& e) {
    sqlite3_close(db_);
    throw Error(fmt::format("{} (is it a facenet serve database?)", e.what()));
  }
}

Store::~Store() {
  if (db_ && sqlite3_close(db_) != SQLITE_OK) spdlog::warn("database '{}': close: {}", path_, sqlite3_errmsg(db_));
}

namespace {
constexpr const char* kCollectionColumns =
    "SELECT c.id, c.name, c.model_digest, c.backbone, c.embedding_size, c.input_size, c.threshold, c.created, "
    "(SELECT COUNT(*) FROM persons p WHERE p.collection_id = c.id), "
    "(SELECT COUNT(*) FROM faces f JOIN persons p ON f.person_id = p.id WHERE p.collection_id = c.id) "
    "FROM collections c";
}

static CollectionRow collection_of(const Store::Statement& s);

std::vector<CollectionRow> Store::collections() {
  std::lock_guard lock(*mutex_);
  Statement s(db_, std::string(kCollectionColumns) + " ORDER BY c.id", path_);
  std::vector<CollectionRow> out;
  while (s.step()) out.push_back(collection_of(s));
  return out;
}

static CollectionRow collection_of(const Store::Statement& s) {
  CollectionRow c;
  c.id = s.integer(0);
  c.name = s.text(1);
  c.model.digest = s.text(2);
  c.model.backbone = s.text(3);
  c.model.embedding_size = s.integer(4);
  c.model.input_size = s.integer(5);
  c.threshold = s.real(6);
  c.created = s.text(7);
  c.persons = s.integer(8);
  c.faces = s.integer(9);
  return c;
}

std::optional<CollectionRow> Store::collection(int64_t id) {
  std::lock_guard lock(*mutex_);
  Statement s(db_, std::string(kCollectionColumns) + " WHERE c.id = ?", path_);
  s.bind(1, id);
  if (!s.step()) return std::nullopt;
  return collection_of(s);
}

CollectionRow Store::create_collection(const std::string& name, const ModelIdentity& model, double threshold) {
  int64_t id = 0;
  {
    std::lock_guard lock(*mutex_);
    Statement s(db_,
                "INSERT INTO collections (name, model_digest, backbone, embedding_size, input_size, threshold) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                path_);
    s.bind(1, name).bind(2, model.digest).bind(3, model.backbone).bind(4, model.embedding_size);
    s.bind(5, model.input_size).bind(6, threshold);
    try {
      s.step();
    } catch (const NameTaken&) {
      throw NameTaken(fmt::format("a collection named '{}' already exists", name));
    }
    id = sqlite3_last_insert_rowid(db_);
  }
  return *collection(id);
}

bool Store::update_collection(int64_t id, const std::optional<std::string>& name,
                              const std::optional<double>& threshold) {
  std::lock_guard lock(*mutex_);
  Statement s(db_, "UPDATE collections SET name = COALESCE(?, name), threshold = COALESCE(?, threshold) WHERE id = ?",
              path_);
  if (name) s.bind(1, *name);
  if (threshold) s.bind(2, *threshold);
  s.bind(3, id);
  try {
    s.step();
  } catch (const NameTaken&) {
    throw NameTaken(fmt::format("a collection named '{}' already exists", name.value_or("")));
  }
  return sqlite3_changes(db_) > 0;
}

bool Store::delete_collection(int64_t id) {
  std::lock_guard lock(*mutex_);
  Statement s(db_, "DELETE FROM collections WHERE id = ?", path_);
  s.bind(1, id).step();
  return sqlite3_changes(db_) > 0;
}

namespace {
constexpr const char* kPersonColumns =
    "SELECT p.id, p.collection_id, p.name, p.created, (SELECT COUNT(*) FROM faces f WHERE f.person_id = p.id) "
    "FROM persons p";
PersonRow person_of(const Store::Statement& s) {
  PersonRow p;
  p.id = s.integer(0);
  p.collection = s.integer(1);
  p.name = s.text(2);
  p.created = s.text(3);
  p.faces = s.integer(4);
  return p;
}
}  // namespace

std::vector<PersonRow> Store::persons(int64_t collection) {
  std::lock_guard lock(*mutex_);
  Statement s(db_, std::string(kPersonColumns) + " WHERE p.collection_id = ? ORDER BY p.id", path_);
  s.bind(1, collection);
  std::vector<PersonRow> out;
  while (s.step()) out.push_back(person_of(s));
  return out;
}

std::optional<PersonRow> Store::person(int64_t collection, int64_t id) {
  std::lock_guard lock(*mutex_);
  Statement s(db_, std::string(kPersonColumns) + " WHERE p.id = ? AND p.collection_id = ?", path_);
  s.bind(1, id).bind(2, collection);
  if (!s.step()) return std::nullopt;
  return person_of(s);
}

PersonRow Store::create_person(int64_t collection, const std::string& name) {
  int64_t id = 0;
  {
    std::lock_guard lock(*mutex_);
    Statement s(db_, "INSERT INTO persons (collection_id, name) VALUES (?, ?)", path_);
    s.bind(1, collection).bind(2, name);
    try {
      s.step();
    } catch (const NameTaken&) {
      throw NameTaken(fmt::format("a person named '{}' already exists in this collection", name));
    }
    id = sqlite3_last_insert_rowid(db_);
  }
  return *person(collection, id);
}

bool Store::rename_person(int64_t collection, int64_t id, const std::string& name) {
  std::lock_guard lock(*mutex_);
  Statement s(db_, "UPDATE persons SET name = ? WHERE id = ? AND collection_id = ?", path_);
  s.bind(1, name).bind(2, id).bind(3, collection);
  try {
    s.step();
  } catch (const NameTaken&) {
    throw NameTaken(fmt::format("a person named '{}' already exists in this collection", name));
  }
  return sqlite3_changes(db_) > 0;
}

bool Store::delete_person(int64_t collection, int64_t id) {
  std::lock_guard lock(*mutex_);
  Statement s(db_, "DELETE FROM persons WHERE id = ? AND collection_id = ?", path_);
  s.bind(1, id).bind(2, collection).step();
  return sqlite3_changes(db_) > 0;
}

std::vector<FaceRow> Store::add_faces(int64_t person, std::vector<FaceRow> faces) {
  std::lock_guard lock(*mutex_);
  Transaction t([this](const std::string& sql) { exec(sql); });
  for (auto& f : faces) {
    Statement s(db_, "INSERT INTO faces (person_id, source, embedding) VALUES (?, ?, ?) RETURNING id, created", path_);
    s.bind(1, person).bind(2, f.source).bind_blob(3, f.embedding);
    if (s.step()) {
      f.id = s.integer(0);
      f.created = s.text(1);
    }
    while (s.step()) {
    }
    f.person = person;
  }
  t.commit();
  return faces;
}

std::vector<FaceRow> Store::face_rows(const std::string& column, int64_t key, bool embeddings) {
  std::lock_guard lock(*mutex_);
  Statement s(db_,
              "SELECT f.id, f.person_id, f.source, f.created, f.embedding FROM faces f JOIN persons p ON f.person_id = "
              "p.id WHERE " + column + " = ? ORDER BY f.id",
              path_);
  s.bind(1, key);
  std::vector<FaceRow> out;
  while (s.step()) {
    FaceRow f;
    f.id = s.integer(0);
    f.person = s.integer(1);
    f.source = s.text(2);
    f.created = s.text(3);
    if (embeddings) f.embedding = s.floats(4);
    out.push_back(std::move(f));
  }
  return out;
}

std::vector<FaceRow> Store::faces(int64_t person, bool embeddings) { return face_rows("f.person_id", person, embeddings); }

bool Store::delete_face(int64_t person, int64_t id) {
  std::lock_guard lock(*mutex_);
  Statement s(db_, "DELETE FROM faces WHERE id = ? AND person_id = ?", path_);
  s.bind(1, id).bind(2, person).step();
  return sqlite3_changes(db_) > 0;
}

std::vector<FaceRow> Store::collection_faces(int64_t collection) {
  return face_rows("p.collection_id", collection, true);
}

int64_t Store::import_faces(int64_t collection, const std::vector<std::string>& names,
                            const std::vector<int32_t>& labels, const std::vector<std::string>& sources,
                            const std::vector<float>& embeddings, int64_t dim) {
  std::lock_guard lock(*mutex_);
  Transaction t([this](const std::string& sql) { exec(sql); });
  std::map<int32_t, int64_t> person_of_label;
  for (size_t i = 0; i < labels.size(); ++i) {
    const auto label = labels[i];
    auto it = person_of_label.find(label);
    if (it == person_of_label.end()) {
      const auto& name = names.at(static_cast<size_t>(label));
      Statement find(db_, "SELECT id FROM persons WHERE collection_id = ? AND name = ?", path_);
      find.bind(1, collection).bind(2, name);
      int64_t id = 0;
      if (find.step()) {
        id = find.integer(0);
      } else {
        Statement add(db_, "INSERT INTO persons (collection_id, name) VALUES (?, ?)", path_);
        add.bind(1, collection).bind(2, name).step();
        id = sqlite3_last_insert_rowid(db_);
      }
      it = person_of_label.emplace(label, id).first;
    }
    std::vector<float> row(embeddings.begin() + static_cast<int64_t>(i) * dim,
                           embeddings.begin() + static_cast<int64_t>(i + 1) * dim);
    Statement s(db_, "INSERT INTO faces (person_id, source, embedding) VALUES (?, ?, ?)", path_);
    s.bind(1, it->second).bind(2, i < sources.size() ? sources[i] : std::string("import")).bind_blob(3, row).step();
  }
  t.commit();
  return static_cast<int64_t>(labels.size());
}

}  // namespace facenet::serve
