// Every /v1 route of `facenet serve` against a real server on 127.0.0.1 (ephemeral port), over
// real sockets: the faces found, enrolment with its accept/reject reasons, search, the
// collection and person resources, .fgal export and import, a collection of another model.
#include <gtest/gtest.h>

#include "facenet/infer/gallery.h"
#include "facenet/serve/store.h"
#include "serve/serve_fixture.h"

using namespace facenet;
using namespace facenet::test;
using nlohmann::json;

namespace {

httplib::MultipartFormDataItems images(const std::vector<std::pair<std::string, std::string>>& files) {
  httplib::MultipartFormDataItems items;
  for (const auto& [name, bytes] : files) items.push_back({name, bytes, name + ".png", "image/png"});
  return items;
}

int64_t create(httplib::Client& c, const std::string& path, const json& body) {
  auto r = c.Post(path, body.dump(), "application/json");
  EXPECT_TRUE(r);
  EXPECT_EQ(r->status, 201) << r->body;
  return json_of(r)["id"].get<int64_t>();
}

}  // namespace

TEST(ServeApi, HealthSystemAndModelsDescribeTheModel) {
  LiveServer s(serve_config(fresh_db("api_health.sqlite")));
  auto h = json_of(s.client.Get("/v1/health"));
  EXPECT_EQ(h["status"], "ok");
  EXPECT_EQ(h["model"]["embedding_size"], 32);
  EXPECT_EQ(h["model"]["input_size"], 96);
  EXPECT_EQ(h["model"]["digest"], infer::model_digest(serve_model()));
  auto m = json_of(s.client.Get("/v1/models"))["models"][0];
  EXPECT_EQ(m["detector"], "haar");
  EXPECT_EQ(m["crop"]["rule"], "margin");
  EXPECT_NEAR(m["threshold"].get<double>(), 0.9, 1e-9);
  EXPECT_NEAR(m["cosine_threshold"].get<double>(), 1 - 0.81 / 2, 1e-9);  // l2 0.9 on unit vectors
  auto sys = json_of(s.client.Get("/v1/system"));
  EXPECT_NE(sys["system"]["CPU"].get<std::string>(), "");
  EXPECT_EQ(sys["batching"]["max_batch"], 16);
  EXPECT_EQ(sys["limits"]["max_faces"], 32);
}

TEST(ServeApi, DetectEmbeddingsAndCompare) {
  LiveServer s(serve_config(fresh_db("api_detect.sqlite")));
  const auto photo = face_photo(3, 0);
  auto d = s.client.Post("/v1/detect", photo, "image/png");
  ASSERT_TRUE(d);
  ASSERT_EQ(d->status, 200) << d->body;
  auto dj = json_of(d);
  EXPECT_EQ(dj["width"], 200);
  ASSERT_EQ(dj["faces"].size(), 1u);
  EXPECT_GT(dj["faces"][0]["box"]["width"].get<double>(), 50);

  auto two = json_of(s.client.Post("/v1/detect", two_faces_photo(), "image/png"));
  EXPECT_EQ(two["faces"].size(), 2u);
  auto none = json_of(s.client.Post("/v1/detect", blank_photo(), "image/png"));
  EXPECT_EQ(none["faces"].size(), 0u);

  // Multipart works as well as a raw body, and JPEG as well as PNG.
  auto e = json_of(s.client.Post("/v1/embeddings", images({{"image", face_photo(3, 0, ".jpg")}})));
  ASSERT_EQ(e["faces"].size(), 1u);
  const auto v = e["faces"][0]["embedding"].get<std::vector<float>>();
  ASSERT_EQ(v.size(), 32u);
  double norm = 0;
  for (float x : v) norm += x * x;
  EXPECT_NEAR(norm, 1.0, 1e-4);

  auto same = json_of(s.client.Post("/v1/compare", images({{"a", photo}, {"b", photo}})));
  EXPECT_NEAR(same["similarity"].get<double>(), 1.0, 1e-5);
  EXPECT_NEAR(same["distance"].get<double>(), 0.0, 1e-3);
  EXPECT_EQ(same["same"], true);
  auto one = s.client.Post("/v1/compare", images({{"a", photo}}));
  EXPECT_EQ(one->status, 400);
  EXPECT_EQ(error_code(one), "need_two_images");
  auto faceless = s.client.Post("/v1/compare", images({{"a", photo}, {"b", blank_photo()}}));
  EXPECT_EQ(faceless->status, 422);
  EXPECT_EQ(error_code(faceless), "no_face");
}

TEST(ServeApi, CollectionsAndPersonsCrud) {
  LiveServer s(serve_config(fresh_db("api_crud.sqlite")));
  auto& c = s.client;
  const auto a = create(c, "/v1/collections", {{"name", "staff"}});
  const auto b = create(c, "/v1/collections", {{"name", "visitors"}, {"threshold", 0.7}});
  auto dup = c.Post("/v1/collections", json{{"name", "staff"}}.dump(), "application/json");
  EXPECT_EQ(dup->status, 409);
  EXPECT_EQ(error_code(dup), "name_taken");
  auto list = json_of(c.Get("/v1/collections"))["collections"];
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[1]["threshold"], 0.7);
  EXPECT_EQ(list[0]["model_matches"], true);

  auto renamed = c.Patch("/v1/collections/" + std::to_string(a), json{{"name", "employees"}}.dump(), "application/json");
  EXPECT_EQ(renamed->status, 200);
  EXPECT_EQ(json_of(c.Get("/v1/collections/" + std::to_string(a)))["name"], "employees");

  const auto base = "/v1/collections/" + std::to_string(a) + "/persons";
  const auto ann = create(c, base, {{"name", "Ann"}});
  const auto bob = create(c, base, {{"name", "Bob"}});
  EXPECT_EQ(c.Post(base, json{{"name", "Ann"}}.dump(), "application/json")->status, 409);
  EXPECT_EQ(json_of(c.Get(base))["persons"].size(), 2u);
  EXPECT_EQ(c.Patch(base + "/" + std::to_string(bob), json{{"name", "Robert"}}.dump(), "application/json")->status, 200);
  EXPECT_EQ(json_of(c.Get(base + "/" + std::to_string(bob)))["name"], "Robert");
  // A person is found only under its own collection.
  EXPECT_EQ(c.Get("/v1/collections/" + std::to_string(b) + "/persons/" + std::to_string(ann))->status, 404);
  EXPECT_EQ(c.Delete(base + "/" + std::to_string(ann))->status, 200);
  EXPECT_EQ(c.Get(base + "/" + std::to_string(ann))->status, 404);
  EXPECT_EQ(c.Delete("/v1/collections/" + std::to_string(b))->status, 200);
  EXPECT_EQ(c.Get("/v1/collections/" + std::to_string(b))->status, 404);
  EXPECT_EQ(json_of(c.Get("/v1/collections"))["collections"].size(), 1u);
}

TEST(ServeApi, EnrolGivesReasonsAndSearchFindsThePerson) {
  LiveServer s(serve_config(fresh_db("api_enrol.sqlite")));
  auto& c = s.client;
  // A strict threshold: a random network puts different synthetic faces close together.
  const auto col = create(c, "/v1/collections", {{"name", "people"}, {"threshold", 0.995}});
  const auto base = "/v1/collections/" + std::to_string(col);
  const auto ann = create(c, base + "/persons", {{"name", "Ann"}});
  const auto faces = base + "/persons/" + std::to_string(ann) + "/faces";

  auto r = c.Post(faces, images({{"image0", face_photo(5, 0)},
                                 {"image1", face_photo(5, 1)},
                                 {"image2", blank_photo()},
                                 {"image3", two_faces_photo()},
                                 {"image4", "this is not an image"}}));
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 201) << r->body;
  auto j = json_of(r);
  EXPECT_EQ(j["accepted"].size(), 2u);
  ASSERT_EQ(j["rejected"].size(), 3u) << r->body;
  EXPECT_EQ(j["rejected"][0]["reason"], "no_face");
  EXPECT_EQ(j["rejected"][0]["image"], "image2.png");
  EXPECT_EQ(j["rejected"][1]["reason"], "several_faces");
  EXPECT_EQ(j["rejected"][2]["reason"], "cannot_decode");

  // Nothing acceptable: 422 with the reasons.
  auto bad = c.Post(faces, images({{"image0", blank_photo()}}));
  EXPECT_EQ(bad->status, 422);
  EXPECT_EQ(error_code(bad), "nothing_enrolled");
  EXPECT_EQ(json_of(bad)["rejected"][0]["reason"], "no_face");

  auto listed = json_of(c.Get(faces))["faces"];
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[0]["source"], "image0.png");

  // The enrolled photo is Ann; another identity is unknown at 0.995.
  auto found = json_of(c.Post(base + "/search?top_k=3", face_photo(5, 0), "image/png"));
  ASSERT_EQ(found["faces"].size(), 1u);
  EXPECT_EQ(found["faces"][0]["label"], "Ann");
  EXPECT_EQ(found["faces"][0]["person"]["id"], ann);
  EXPECT_NEAR(found["faces"][0]["matches"][0]["similarity"].get<double>(), 1.0, 1e-4);
  auto stranger = json_of(c.Post(base + "/search", face_photo(9, 0), "image/png"));
  ASSERT_EQ(stranger["faces"].size(), 1u);
  EXPECT_EQ(stranger["faces"][0]["label"], "unknown");
  EXPECT_TRUE(stranger["faces"][0]["person"].is_null());
  EXPECT_EQ(stranger["faces"][0]["matches"].size(), 1u);  // Ann, below the threshold

  // A server that wants larger faces rejects this one as too small.
  {
    auto config = serve_config(fresh_db("api_enrol_small.sqlite"));
    config.min_face = 1000;
    LiveServer strict(config);
    const auto sc = create(strict.client, "/v1/collections", {{"name", "c"}});
    const auto sp = create(strict.client, "/v1/collections/" + std::to_string(sc) + "/persons", {{"name", "p"}});
    auto small = strict.client.Post(
        "/v1/collections/" + std::to_string(sc) + "/persons/" + std::to_string(sp) + "/faces", face_photo(5, 0),
        "image/png");
    EXPECT_EQ(small->status, 422);
    EXPECT_EQ(json_of(small)["rejected"][0]["reason"], "too_small") << small->body;
  }

  // Deleting a face, then the person, empties the index.
  const auto face_id = listed[0]["id"].get<int64_t>();
  EXPECT_EQ(c.Get(faces + "/" + std::to_string(face_id))->status, 200);
  EXPECT_EQ(c.Delete(faces + "/" + std::to_string(face_id))->status, 200);
  EXPECT_EQ(c.Delete(faces + "/" + std::to_string(face_id))->status, 404);
  EXPECT_EQ(json_of(c.Get("/v1/health"))["gallery"]["faces"], 1);
  EXPECT_EQ(c.Delete(base + "/persons/" + std::to_string(ann))->status, 200);
  auto empty = json_of(c.Post(base + "/search", face_photo(5, 0), "image/png"));
  EXPECT_EQ(empty["faces"][0]["label"], "unknown");
  EXPECT_EQ(empty["faces"][0]["matches"].size(), 0u);
}

TEST(ServeApi, ExportAndImportGalleryFiles) {
  LiveServer s(serve_config(fresh_db("api_fgal.sqlite")));
  auto& c = s.client;
  const auto col = create(c, "/v1/collections", {{"name", "src"}});
  const auto base = "/v1/collections/" + std::to_string(col);
  for (int id : {1, 2}) {
    const auto p = create(c, base + "/persons", {{"name", "person" + std::to_string(id)}});
    auto r = c.Post(base + "/persons/" + std::to_string(p) + "/faces",
                    images({{"image0", face_photo(id, 0)}, {"image1", face_photo(id, 1)}}));
    ASSERT_EQ(r->status, 201) << r->body;
  }
  auto e = c.Get(base + "/export");
  ASSERT_EQ(e->status, 200);
  const auto g = infer::gallery_from_bytes(e->body, "export");
  EXPECT_EQ(g.rows(), 4);
  EXPECT_EQ(g.dim, 32);
  EXPECT_EQ(g.identities, (std::vector<std::string>{"person1", "person2"}));
  EXPECT_EQ(g.model_digest, infer::model_digest(serve_model()));

  const auto dst = create(c, "/v1/collections", {{"name", "dst"}, {"threshold", 0.995}});
  auto imp = c.Post("/v1/collections/" + std::to_string(dst) + "/import", e->body, "application/octet-stream");
  ASSERT_EQ(imp->status, 201) << imp->body;
  EXPECT_EQ(json_of(imp)["imported"], 4);
  auto persons = json_of(c.Get("/v1/collections/" + std::to_string(dst) + "/persons"))["persons"];
  ASSERT_EQ(persons.size(), 2u);
  EXPECT_EQ(persons[1]["faces"], 2);
  auto found = json_of(c.Post("/v1/collections/" + std::to_string(dst) + "/search", face_photo(2, 1), "image/png"));
  EXPECT_EQ(found["faces"][0]["label"], "person2");

  // A gallery of another model, and bytes that are not a gallery.
  auto other = g;
  other.model_digest = "crc32c:00000000:1";
  auto refused = c.Post("/v1/collections/" + std::to_string(dst) + "/import", infer::gallery_to_bytes(other),
                        "application/octet-stream");
  EXPECT_EQ(refused->status, 409);
  EXPECT_EQ(error_code(refused), "model_mismatch");
  auto garbage = c.Post("/v1/collections/" + std::to_string(dst) + "/import", "FNGALLRY but not", "application/octet-stream");
  EXPECT_EQ(garbage->status, 400);
  EXPECT_EQ(error_code(garbage), "bad_gallery");
}

TEST(ServeApi, ACollectionOfAnotherModelIsRefused) {
  const auto db = fresh_db("api_other.sqlite");
  {
    serve::Store store(db);
    serve::ModelIdentity other{infer::model_digest(other_model()), "mobilenet", 32, 96};
    store.create_collection("theirs", other, 0.5);
  }
  LiveServer s(serve_config(db));
  auto list = json_of(s.client.Get("/v1/collections"))["collections"];
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0]["model_matches"], false);
  auto r = s.client.Post("/v1/collections/1/search", face_photo(1, 0), "image/png");
  EXPECT_EQ(r->status, 409);
  EXPECT_EQ(error_code(r), "model_mismatch");
  EXPECT_NE(json_of(r)["error"]["message"].get<std::string>().find("theirs"), std::string::npos);
}
