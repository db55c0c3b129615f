#include "facenet/serve/api.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cmath>

#include <opencv2/core.hpp>

#include "facenet/core/runtime.h"
#include "facenet/data/image_io.h"
#include "facenet/infer/gallery.h"
#include "facenet/serve/gallery_io.h"
#include "facenet/serve/metrics.h"
#include "facenet/serve/model_runner.h"
#include "facenet/serve/store.h"
#include "facenet/serve/web_page.h"

namespace facenet::serve {

using nlohmann::json;

namespace {

json face_json(const detect::Face& f) {
  json j{{"box", {{"x", f.box.x}, {"y", f.box.y}, {"width", f.box.width}, {"height", f.box.height}}},
         {"score", f.score}};
  if (f.has_landmarks) {
    json points = json::array();
    for (const auto& p : f.landmarks) points.push_back({p.x, p.y});
    j["landmarks"] = points;
  } else {
    j["landmarks"] = nullptr;
  }
  return j;
}

json identity_json(const ModelIdentity& m) {
  return {{"digest", m.digest}, {"backbone", m.backbone}, {"embedding_size", m.embedding_size},
          {"input_size", m.input_size}};
}

json collection_json(const CollectionRow& c, const ModelIdentity& served) {
  return {{"id", c.id},           {"name", c.name},       {"threshold", c.threshold},
          {"persons", c.persons}, {"faces", c.faces},     {"created", c.created},
          {"model", identity_json(c.model)}, {"model_matches", c.model == served}};
}

json person_json(const PersonRow& p) {
  return {{"id", p.id}, {"collection_id", p.collection}, {"name", p.name}, {"faces", p.faces}, {"created", p.created}};
}

float cosine(const std::vector<float>& a, const std::vector<float>& b) {
  double dot = 0, na = 0, nb = 0;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
    dot += static_cast<double>(a[i]) * b[i];
    na += static_cast<double>(a[i]) * a[i];
    nb += static_cast<double>(b[i]) * b[i];
  }
  return na > 0 && nb > 0 ? static_cast<float>(dot / std::sqrt(na * nb)) : 0.f;
}

ApiReply json_reply(int status, const json& body) {
  ApiReply r;
  r.status = status;
  r.body = body.dump(-1, ' ', false, json::error_handler_t::replace);  // file names may not be UTF-8
  return r;
}

}  // namespace

struct Api::Impl {
  ServeConfig config;
  Store& store;
  ModelRunner& runner;
  Metrics& metrics;
  std::mutex indexes_mutex;
  std::map<int64_t, std::shared_ptr<FaceIndex>> indexes;  ///< collections of the served model
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();

  Impl(const ServeConfig& c, Store& s, ModelRunner& r, Metrics& m) : config(c), store(s), runner(r), metrics(m) {}

  void count_gallery() {
    int64_t n = 0;
    std::lock_guard lock(indexes_mutex);
    for (const auto& [id, index] : indexes) n += index->size();
    metrics.gallery_faces(n);
  }

  // ---- lookups that answer 404 / 409 ----
  CollectionRow collection(int64_t id) {
    auto c = store.collection(id);
    if (!c) throw HttpError(404, "collection_not_found", fmt::format("no collection {}", id));
    return *c;
  }
  /// The collection and its index; 409 when another model made it.
  std::pair<CollectionRow, std::shared_ptr<FaceIndex>> served_collection(int64_t id) {
    auto c = collection(id);
    if (!(c.model == runner.identity()))
      throw HttpError(409, "model_mismatch",
                      fmt::format("collection '{}' holds embeddings of another model ({}); this server runs {}", c.name,
                                  c.model.describe(), runner.identity().describe()));
    std::lock_guard lock(indexes_mutex);
    auto& index = indexes[id];
    if (!index) index = std::make_shared<FaceIndex>(runner.identity().embedding_size, config.threads);
    return {c, index};
  }
  PersonRow person(int64_t collection_id, int64_t id) {
    auto p = store.person(collection_id, id);
    if (!p) throw HttpError(404, "person_not_found", fmt::format("no person {} in collection {}", id, collection_id));
    return *p;
  }

  // ---- images ----
  struct Decoded {
    std::string name;
    cv::Mat bgr;
    std::string code, problem;  ///< set when the image cannot be used
  };
  Decoded decode(const ImageUpload& upload) {
    Decoded d;
    d.name = upload.name;
    d.problem = image_header_problem(upload.bytes, config.max_pixels, &d.code);
    if (!d.problem.empty()) return d;
    std::string reason;
    if (!data::decode_image(upload.bytes.data(), upload.bytes.size(), d.bgr, &reason)) {
      d.code = "bad_image";
      d.problem = "the image does not decode: " + reason;
    }
    return d;
  }
  cv::Mat decode_or_throw(const ImageUpload& upload) {
    auto d = decode(upload);
    if (!d.problem.empty())
      throw HttpError(image_problem_status(d.code), d.code, fmt::format("image '{}': {}", d.name, d.problem));
    return d.bgr;
  }
  std::vector<ImageUpload> images(const ApiRequest& r) {
    return request_images(r.content_type, r.body, r.parts, config.max_images);
  }

  // ---- routes ----
  ApiReply health() {
    int64_t faces = 0, collections = 0;
    {
      std::lock_guard lock(indexes_mutex);
      collections = static_cast<int64_t>(indexes.size());
      for (const auto& [id, index] : indexes) faces += index->size();
    }
    return json_reply(200, {{"status", "ok"},
                            {"model", identity_json(runner.identity())},
                            {"gallery", {{"collections", collections}, {"faces", faces}}}});
  }

  json model_json() {
    const auto& meta = runner.meta();
    return {{"path", config.model},
            {"format", runner.format()},
            {"identity", identity_json(runner.identity())},
            {"detector", runner.detector()},
            {"crop", {{"rule", runner.crop_rule()}, {"margin", meta.crop.margin}}},
            {"threshold", meta.threshold},
            {"distance", to_string(meta.distance)},
            {"far_target", meta.far_target},
            {"cosine_threshold", default_threshold()}};
  }

  ApiReply system() {
    json info = json::object();
    for (const auto& [k, v] : system_info()) info[k] = v;
    const double uptime = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return json_reply(
        200, {{"system", info},
              {"uptime_s", uptime},
              {"model", model_json()},
              {"database", config.db},
              {"batching", {{"max_batch", config.max_batch}, {"max_wait_ms", config.max_wait_ms}}},
              {"limits",
               {{"max_body_bytes", config.max_body_bytes}, {"max_pixels", config.max_pixels},
                {"max_faces", config.max_faces}, {"max_images", config.max_images},
                {"request_timeout_s", config.request_timeout_s}, {"max_connections", config.max_connections}}},
              {"api_key", !config.api_key.empty()}});
  }

  double default_threshold() const {
    const auto& meta = runner.meta();
    const double t = meta.threshold;
    if (t <= 0) return 0.5;  // never calibrated
    switch (meta.distance) {
      case Distance::L2: return 1 - t * t / 2;  // |a-b|^2 = 2 - 2cos on unit vectors
      case Distance::L2Squared: return 1 - t / 2;
      case Distance::Cosine: return std::cos(t * M_PI);  // the evaluator's arccos(cos)/pi
    }
    return 0.5;
  }

  ApiReply detect(const ApiRequest& r) {
    const auto uploads = images(r);
    const auto bgr = decode_or_throw(uploads.front());
    json faces = json::array();
    for (const auto& f : runner.detect(bgr)) faces.push_back(face_json(f));
    return json_reply(200, {{"width", bgr.cols}, {"height", bgr.rows}, {"faces", faces}});
  }

  ApiReply embeddings(const ApiRequest& r) {
    ModelRunner::Arrival arrival(runner);
    const auto uploads = images(r);
    const auto bgr = decode_or_throw(uploads.front());
    const auto faces = runner.detect(bgr);
    const auto embeddings = runner.embed(bgr, faces, &arrival);
    json out = json::array();
    for (size_t i = 0; i < faces.size(); ++i) {
      auto j = face_json(faces[i]);
      j["embedding"] = embeddings[i];
      out.push_back(j);
    }
    return json_reply(200, {{"width", bgr.cols}, {"height", bgr.rows}, {"faces", out}});
  }

  ApiReply compare(const ApiRequest& r) {
    const auto uploads = images(r);
    if (uploads.size() != 2)
      throw HttpError(400, "need_two_images",
                      fmt::format("compare takes two images as multipart parts (a and b); got {}", uploads.size()));
    ModelRunner::Arrival arrival(runner);
    json faces = json::array();
    std::vector<std::vector<float>> e;
    for (const auto& u : uploads) {
      const auto bgr = decode_or_throw(u);
      auto found = runner.detect(bgr);
      if (found.empty()) throw HttpError(422, "no_face", fmt::format("no face in image '{}'", u.name));
      found.resize(1);  // the largest
      e.push_back(runner.embed(bgr, found, &arrival).front());
      faces.push_back(face_json(found.front()));
    }
    const auto& meta = runner.meta();
    const float sim = cosine(e[0], e[1]);
    const double distance = infer::embedding_distance(e[0].data(), e[1].data(), static_cast<int64_t>(e[0].size()),
                                                      meta.distance);
    const bool same = meta.threshold > 0 ? distance < meta.threshold : sim >= default_threshold();
    return json_reply(200, {{"similarity", sim},
                            {"distance", distance},
                            {"metric", to_string(meta.distance)},
                            {"threshold", meta.threshold},
                            {"same", same},
                            {"faces", faces}});
  }

  ApiReply collections(const ApiRequest& r) {
    if (r.method == "GET") {
      json list = json::array();
      for (const auto& c : store.collections()) list.push_back(collection_json(c, runner.identity()));
      return json_reply(200, {{"collections", list}});
    }
    const auto body = parse_json_object(r.body);
    const auto name = name_field(body, "name");
    const auto threshold = number_field(body, "threshold", -1, 1).value_or(default_threshold());
    const auto c = store.create_collection(name, runner.identity(), threshold);
    {
      std::lock_guard lock(indexes_mutex);
      indexes[c.id] = std::make_shared<FaceIndex>(runner.identity().embedding_size, config.threads);
    }
    return json_reply(201, collection_json(c, runner.identity()));
  }

  ApiReply collection_route(const ApiRequest& r, int64_t id) {
    if (r.method == "GET") return json_reply(200, collection_json(collection(id), runner.identity()));
    if (r.method == "PATCH") {
      const auto body = parse_json_object(r.body);
      std::optional<std::string> name;
      if (body.contains("name")) name = name_field(body, "name");
      const auto threshold = number_field(body, "threshold", -1, 1);
      if (!name && !threshold) throw HttpError(400, "bad_field", "give 'name' and/or 'threshold' to change");
      if (!store.update_collection(id, name, threshold))
        throw HttpError(404, "collection_not_found", fmt::format("no collection {}", id));
      return json_reply(200, collection_json(collection(id), runner.identity()));
    }
    if (!store.delete_collection(id)) throw HttpError(404, "collection_not_found", fmt::format("no collection {}", id));
    {
      std::lock_guard lock(indexes_mutex);
      indexes.erase(id);
    }
    count_gallery();
    return json_reply(200, {{"deleted", id}});
  }

  ApiReply persons(const ApiRequest& r, int64_t cid) {
    collection(cid);
    if (r.method == "GET") {
      json list = json::array();
      for (const auto& p : store.persons(cid)) list.push_back(person_json(p));
      return json_reply(200, {{"persons", list}});
    }
    const auto body = parse_json_object(r.body);
    return json_reply(201, person_json(store.create_person(cid, name_field(body, "name"))));
  }

  ApiReply person_route(const ApiRequest& r, int64_t cid, int64_t pid) {
    collection(cid);
    if (r.method == "GET") return json_reply(200, person_json(person(cid, pid)));
    if (r.method == "PATCH") {
      const auto body = parse_json_object(r.body);
      const auto name = name_field(body, "name");
      if (!store.rename_person(cid, pid, name))
        throw HttpError(404, "person_not_found", fmt::format("no person {} in collection {}", pid, cid));
      return json_reply(200, person_json(person(cid, pid)));
    }
    if (!store.delete_person(cid, pid))
      throw HttpError(404, "person_not_found", fmt::format("no person {} in collection {}", pid, cid));
    {
      std::lock_guard lock(indexes_mutex);
      if (auto it = indexes.find(cid); it != indexes.end()) it->second->remove_person(pid);
    }
    count_gallery();
    return json_reply(200, {{"deleted", pid}});
  }

  int64_t min_face() const { return config.min_face > 0 ? config.min_face : 32; }

  ApiReply faces(const ApiRequest& r, int64_t cid, int64_t pid) {
    if (r.method == "GET") {
      collection(cid);
      person(cid, pid);
      json list = json::array();
      for (const auto& f : store.faces(pid))
        list.push_back({{"id", f.id}, {"person_id", f.person}, {"source", f.source}, {"created", f.created}});
      return json_reply(200, {{"faces", list}});
    }
    auto [c, index] = served_collection(cid);
    person(cid, pid);
    ModelRunner::Arrival arrival(runner);
    const auto uploads = images(r);
    json accepted = json::array(), rejected = json::array();
    std::vector<FaceRow> rows;
    std::vector<detect::Face> kept;
    for (const auto& u : uploads) {
      auto d = decode(u);
      auto reject = [&](const std::string& reason, const std::string& message) {
        rejected.push_back({{"image", u.name}, {"reason", reason}, {"message", message}});
      };
      if (!d.problem.empty()) {
        reject("cannot_decode", d.problem);
        continue;
      }
      const auto found = runner.detect(d.bgr);
      if (found.empty()) {
        reject("no_face", "no face found");
        continue;
      }
      if (found.size() > 1) {
        reject("several_faces", fmt::format("{} faces found; enrol photos of one face", found.size()));
        continue;
      }
      const auto side = std::min(found[0].box.width, found[0].box.height);
      if (side < static_cast<float>(min_face())) {
        reject("too_small", fmt::format("the face is {:.0f} px; at least {} px (--min-face)", side, min_face()));
        continue;
      }
      FaceRow row;
      row.source = u.name;
      row.embedding = runner.embed(d.bgr, found, &arrival).front();
      rows.push_back(std::move(row));
      kept.push_back(found[0]);
    }
    if (rows.empty()) {
      json body{{"error", {{"code", "nothing_enrolled"}, {"message", "no image was accepted"}}}, {"rejected", rejected}};
      return json_reply(422, body);
    }
    // Committed before the reply; the index follows the database.
    const auto stored = store.add_faces(pid, std::move(rows));
    for (size_t i = 0; i < stored.size(); ++i) {
      index->add(stored[i].id, pid, stored[i].embedding);
      auto j = face_json(kept[i]);
      j["image"] = stored[i].source;
      j["face_id"] = stored[i].id;
      accepted.push_back(j);
    }
    count_gallery();
    return json_reply(201, {{"person_id", pid}, {"accepted", accepted}, {"rejected", rejected}});
  }

  ApiReply face_route(const ApiRequest& r, int64_t cid, int64_t pid, int64_t fid) {
    collection(cid);
    person(cid, pid);
    if (r.method == "GET") {
      for (const auto& f : store.faces(pid))
        if (f.id == fid)
          return json_reply(200, {{"id", f.id}, {"person_id", f.person}, {"source", f.source}, {"created", f.created}});
      throw HttpError(404, "face_not_found", fmt::format("no face {} of person {}", fid, pid));
    }
    if (!store.delete_face(pid, fid)) throw HttpError(404, "face_not_found", fmt::format("no face {} of person {}", fid, pid));
    {
      std::lock_guard lock(indexes_mutex);
      if (auto it = indexes.find(cid); it != indexes.end()) it->second->remove_face(fid);
    }
    count_gallery();
    return json_reply(200, {{"deleted", fid}});
  }

  ApiReply search(const ApiRequest& r, int64_t cid) {
    auto [c, index] = served_collection(cid);
    auto param = [&](const std::string& key) {
      const auto it = r.query.find(key);
      return it == r.query.end() ? std::string() : it->second;
    };
    const auto k = int_parameter("top_k", param("top_k"), 1, 100, 5);
    ModelRunner::Arrival arrival(runner);
    const auto uploads = images(r);
    const auto bgr = decode_or_throw(uploads.front());
    const auto found = runner.detect(bgr);
    const auto embeddings = runner.embed(bgr, found, &arrival);
    std::map<int64_t, std::string> names;
    for (const auto& p : store.persons(cid)) names[p.id] = p.name;
    json faces = json::array();
    for (size_t i = 0; i < found.size(); ++i) {
      auto j = face_json(found[i]);
      json matches = json::array();
      const auto hits = index->search(embeddings[i], k);
      for (const auto& m : hits)
        matches.push_back(
            {{"person_id", m.person}, {"name", names.count(m.person) ? names[m.person] : ""}, {"similarity", m.similarity},
             {"face_id", m.face}});
      const bool known = !hits.empty() && hits[0].similarity >= c.threshold;
      j["matches"] = matches;
      j["person"] = known ? json{{"id", hits[0].person}, {"name", names[hits[0].person]}} : json(nullptr);
      j["label"] = known ? names[hits[0].person] : "unknown";
      faces.push_back(j);
    }
    return json_reply(200, {{"collection_id", cid}, {"threshold", c.threshold}, {"width", bgr.cols},
                            {"height", bgr.rows}, {"faces", faces}});
  }

  ApiReply export_collection(int64_t cid) {
    auto [c, index] = served_collection(cid);
    auto g = collection_gallery(store, c, config.model, runner.meta());
    ApiReply reply;
    reply.content_type = "application/octet-stream";
    reply.body = infer::gallery_to_bytes(g);
    reply.headers.emplace_back("Content-Disposition", fmt::format("attachment; filename=\"collection-{}.fgal\"", cid));
    return reply;
  }

  ApiReply import_collection(const ApiRequest& r, int64_t cid) {
    auto [c, index] = served_collection(cid);
    infer::Gallery g;
    try {
      g = infer::gallery_from_bytes(r.body, "request body");
    } catch (const Error& e) {
      throw HttpError(400, "bad_gallery", e.what());
    }
    if (g.model_digest != c.model.digest || g.dim != c.model.embedding_size)
      throw HttpError(409, "model_mismatch",
                      fmt::format("the gallery holds embeddings of model {} ({}-d); collection '{}' is {}", g.model_digest,
                                  g.dim, c.name, c.model.describe()));
    const auto rows = store.import_faces(cid, g.identities, g.labels, g.sources, g.embeddings, g.dim);
    rebuild(cid, index);
    return json_reply(201, {{"imported", rows}, {"identities", g.identities.size()}});
  }

  void rebuild(int64_t cid, const std::shared_ptr<FaceIndex>& old) {
    auto fresh = std::make_shared<FaceIndex>(old->dim(), config.threads);
    for (const auto& f : store.collection_faces(cid)) fresh->add(f.id, f.person, f.embedding);
    {
      std::lock_guard lock(indexes_mutex);
      indexes[cid] = fresh;
    }
    count_gallery();
  }

  ApiReply page(const RouteMatch& m) {
    const auto* file = web_file(m.file.empty() ? "index.html" : m.file);
    if (!file) throw HttpError(404, "not_found", fmt::format("no page file '{}'", m.file));
    ApiReply reply;
    reply.content_type = file->content_type;
    reply.body = file->content;
    reply.headers.emplace_back("Cache-Control", "no-cache");
    return reply;
  }

  ApiReply dispatch(const ApiRequest& r, const RouteMatch& m) {
    const auto& ids = m.ids;
    switch (m.id) {
      case RouteId::Health: return health();
      case RouteId::System: return system();
      case RouteId::Models: return json_reply(200, {{"models", json::array({model_json()})}});
      case RouteId::Detect: return detect(r);
      case RouteId::Compare: return compare(r);
      case RouteId::Embeddings: return embeddings(r);
      case RouteId::Collections: return collections(r);
      case RouteId::Collection: return collection_route(r, ids[0]);
      case RouteId::CollectionExport: return export_collection(ids[0]);
      case RouteId::CollectionImport: return import_collection(r, ids[0]);
      case RouteId::Search: return search(r, ids[0]);
      case RouteId::Persons: return persons(r, ids[0]);
      case RouteId::Person: return person_route(r, ids[0], ids[1]);
      case RouteId::Faces: return faces(r, ids[0], ids[1]);
      case RouteId::Face: return face_route(r, ids[0], ids[1], ids[2]);
      case RouteId::Metrics: {
        ApiReply reply;
        reply.content_type = "text/plain; version=0.0.4";
        reply.body = metrics.prometheus();
        return reply;
      }
      case RouteId::Page: return page(m);
    }
    throw HttpError(404, "not_found", "no route");
  }
};

Api::Api(const ServeConfig& config, Store& store, ModelRunner& runner, Metrics& metrics)
    : impl_(std::make_unique<Impl>(config, store, runner, metrics)) {
  auto& m = *impl_;
  int64_t faces = 0;
  for (const auto& c : store.collections()) {
    if (!(c.model == runner.identity())) {
      spdlog::warn("[serve] collection '{}' ({} faces) was made by another model ({}): it is listed but not searched",
                   c.name, c.faces, c.model.describe());
      continue;
    }
    auto index = std::make_shared<FaceIndex>(runner.identity().embedding_size, config.threads);
    for (const auto& f : store.collection_faces(c.id)) index->add(f.id, f.person, f.embedding);
    faces += index->size();
    m.indexes[c.id] = index;
  }
  m.count_gallery();
  spdlog::info("[serve] database {}: {} collections of this model indexed, {} faces", config.db, m.indexes.size(), faces);
}

Api::~Api() = default;

double Api::default_threshold() const { return impl_->default_threshold(); }

ApiReply Api::handle(const ApiRequest& request, std::string* route) {
  if (route) *route = "unmatched";
  try {
    const auto m = match_route(request.method, request.path);
    if (route) *route = m.pattern;
    if (!impl_->config.api_key.empty() && m.id != RouteId::Page &&
        !key_matches(request.authorization, request.x_api_key, impl_->config.api_key))
      throw HttpError(401, "unauthorized", "this server needs its API key: 'Authorization: Bearer KEY' or 'X-API-Key: KEY'");
    return impl_->dispatch(request, m);
  } catch (const HttpError& e) {
    ApiReply r;
    r.status = e.status();
    r.body = error_body(e.code(), e.what());
    return r;
  } catch (const NameTaken& e) {
    ApiReply r;
    r.status = 409;
    r.body = error_body("name_taken", e.what());
    return r;
  } catch (const std::exception& e) {
    spdlog::error("[serve] {} {}: {}", request.method, request.path, e.what());
    ApiReply r;
    r.status = 500;
    r.body = error_body("internal", error_message(e));
    return r;
  }
}

}  // namespace facenet::serve
