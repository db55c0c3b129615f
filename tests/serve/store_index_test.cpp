// The pieces under the API: the exact index against a brute-force search, and the SQLite store
// (names unique per scope, cascades, a database that is not one).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <random>

#include "facenet/serve/face_index.h"
#include "facenet/serve/request.h"
#include "facenet/serve/store.h"
#include "support/export_test_util.h"

using namespace facenet;
using namespace facenet::serve;

TEST(FaceIndex, SearchIsExactBestFaceOfEachPerson) {
  std::mt19937 rng(3);
  std::normal_distribution<float> n;
  const int64_t dim = 16;
  FaceIndex index(dim);
  std::vector<std::vector<float>> rows;
  std::vector<int64_t> persons;
  for (int64_t f = 0; f < 203; ++f) {  // not a multiple of 4: the loop's tail runs too
    std::vector<float> v(dim);
    for (auto& x : v) x = n(rng);
    index.add(f + 1, f % 17, v);
    rows.push_back(v);
    persons.push_back(f % 17);
  }
  EXPECT_EQ(index.size(), 203);
  std::vector<float> probe(dim);
  for (auto& x : probe) x = n(rng);
  // Brute force in double.
  auto cos = [&](const std::vector<float>& a) {
    double d = 0, na = 0, nb = 0;
    for (int64_t j = 0; j < dim; ++j) d += a[j] * probe[j], na += a[j] * a[j], nb += probe[j] * probe[j];
    return d / std::sqrt(na * nb);
  };
  std::map<int64_t, std::pair<double, int64_t>> best;
  for (size_t r = 0; r < rows.size(); ++r) {
    const double c = cos(rows[r]);
    auto& b = best.try_emplace(persons[r], -2.0, 0).first->second;
    if (c > b.first) b = {c, static_cast<int64_t>(r) + 1};
  }
  std::vector<std::pair<double, int64_t>> order;
  for (const auto& [p, b] : best) order.push_back({b.first, p});
  std::sort(order.rbegin(), order.rend());
  const auto hits = index.search(probe, 5);
  ASSERT_EQ(hits.size(), 5u);
  for (size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(hits[i].person, order[i].second);
    EXPECT_NEAR(hits[i].similarity, order[i].first, 1e-5);
    EXPECT_EQ(hits[i].face, best[order[i].second].second);
  }
  // Removing the best person's faces promotes the next one.
  index.remove_person(order[0].second);
  EXPECT_EQ(index.search(probe, 1)[0].person, order[1].second);
  index.remove_face(best[order[1].second].second);
  EXPECT_LT(index.search(probe, 17)[0].similarity, order[0].first);
  EXPECT_EQ(index.search(probe, 100).size(), 16u);
  EXPECT_THROW(index.search(std::vector<float>(3), 1), Error);
}

namespace {
/// The similarity a full fp32 scan gives: the index's normalisation (in double, cast to float)
/// and its 16-lane dot product, restated.
std::vector<float> unit(const std::vector<float>& v) {
  double n = 0;
  for (float x : v) n += static_cast<double>(x) * x;
  std::vector<float> out(v);
  for (auto& x : out) x = static_cast<float>(x / std::sqrt(n));
  return out;
}
float lane_dot(const std::vector<float>& a, const std::vector<float>& q) {
  const size_t dim = a.size(), whole = dim / 16 * 16;
  float acc[16] = {}, s = 0;
  for (size_t j = 0; j < whole; j += 16)
    for (size_t k = 0; k < 16; ++k) acc[k] += a[j + k] * q[j + k];
  for (size_t j = whole; j < dim; ++j) s += a[j] * q[j];
  for (float x : acc) s += x;
  return s;
}
}  // namespace

// The index scans bfloat16 upper halves and recomputes in full float only the rows it cannot
// rule out; its answers must be a full fp32 scan's to the bit. The index is large enough for
// the scan to be split over threads; some persons hold faces that differ from another person's
// only below bfloat16's precision, or not at all (ties, broken by person id).
TEST(FaceIndex, SplitScanAnswersAsAFullFloatScan) {
  std::mt19937 rng(31);
  std::normal_distribution<float> n;
  const int64_t dim = 512, persons = 300, faces = 9000;  // 4.6M values: the scan is split
  FaceIndex index(dim, 2);
  std::vector<std::vector<float>> rows;
  std::vector<int64_t> owner;
  for (int64_t f = 0; f < faces; ++f) {
    std::vector<float> v(dim);
    if (f % 10 == 9) {
      v = rows[static_cast<size_t>(f - 7)];  // another person's face...
      if (f % 20 == 9) v[static_cast<size_t>(f % dim)] *= 1.0f + 1e-6f;  // ...or all but a low bit of it
    } else {
      for (auto& x : v) x = n(rng);
    }
    index.add(f + 1, f % persons, v);
    rows.push_back(v);
    owner.push_back(f % persons);
  }
  std::vector<std::vector<float>> units;
  for (const auto& r : rows) units.push_back(unit(r));
  auto full_scan = [&](const std::vector<float>& probe, size_t k) {
    const auto q = unit(probe);
    std::map<int64_t, Match> best;
    for (size_t r = 0; r < rows.size(); ++r) {
      const float s = lane_dot(units[r], q);
      auto [it, fresh] = best.try_emplace(owner[r], Match{owner[r], static_cast<int64_t>(r) + 1, s});
      if (!fresh && s > it->second.similarity) it->second = {owner[r], static_cast<int64_t>(r) + 1, s};
    }
    std::vector<Match> out;
    for (const auto& [p, m] : best) out.push_back(m);
    std::sort(out.begin(), out.end(), [](const Match& a, const Match& b) {
      return a.similarity != b.similarity ? a.similarity > b.similarity : a.person < b.person;
    });
    out.resize(std::min(out.size(), k));
    return out;
  };
  std::vector<std::vector<float>> probes;
  for (int i = 0; i < 6; ++i) {
    std::vector<float> p(dim);
    for (auto& x : p) x = n(rng);
    probes.push_back(p);
  }
  for (int64_t f : {8, 9, 19, 4000, 8999}) {  // enrolled faces, some of them shared by two persons
    probes.push_back(rows[static_cast<size_t>(f)]);
    auto near = rows[static_cast<size_t>(f)];
    for (auto& x : near) x += 0.3f * n(rng);
    probes.push_back(near);
  }
  int64_t compared = 0;
  for (const auto& probe : probes)
    for (size_t k : {1, 5, 40, 300, 1000}) {
      const auto want = full_scan(probe, k);
      const auto got = index.search(probe, static_cast<int64_t>(k));
      ASSERT_EQ(got.size(), want.size()) << "k " << k;
      for (size_t i = 0; i < want.size(); ++i) {
        ASSERT_EQ(got[i].person, want[i].person) << "k " << k << ", rank " << i;
        ASSERT_EQ(got[i].face, want[i].face) << "k " << k << ", rank " << i;
        ASSERT_EQ(got[i].similarity, want[i].similarity) << "k " << k << ", rank " << i;  // to the bit
        ++compared;
      }
    }
  EXPECT_EQ(compared, 16 * (1 + 5 + 40 + 300 + 300));
  EXPECT_TRUE(index.search(probes[0], 0).empty());
}

TEST(Store, NamesCascadesAndReopening) {
  const auto path = test::temp_path("store_unit.sqlite");
  ModelIdentity model{"crc32c:00000001:10", "mobilenet", 4, 96};
  int64_t face = 0;
  {
    Store s(path);
    const auto c = s.create_collection("a", model, 0.5);
    EXPECT_THROW(s.create_collection("a", model, 0.5), NameTaken);
    const auto c2 = s.create_collection("b", model, 0.5);
    const auto p = s.create_person(c.id, "ann");
    EXPECT_THROW(s.create_person(c.id, "ann"), NameTaken);
    EXPECT_NO_THROW(s.create_person(c2.id, "ann"));  // unique per collection only
    const auto rows = s.add_faces(p.id, {FaceRow{0, 0, "x.png", {1, 0, 0, 0}, ""}, FaceRow{0, 0, "y.png", {0, 1, 0, 0}, ""}});
    ASSERT_EQ(rows.size(), 2u);
    face = rows[1].id;
    EXPECT_EQ(s.collection(c.id)->faces, 2);
    EXPECT_FALSE(s.person(c2.id, p.id));  // another collection's person
    EXPECT_TRUE(s.update_collection(c.id, std::string("renamed"), 0.7));
    EXPECT_THROW(s.update_collection(c.id, std::string("b"), std::nullopt), NameTaken);
    EXPECT_TRUE(s.delete_collection(c2.id));
    EXPECT_FALSE(s.delete_collection(c2.id));
  }
  Store s(path);
  const auto all = s.collections();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].name, "renamed");
  EXPECT_DOUBLE_EQ(all[0].threshold, 0.7);
  EXPECT_EQ(all[0].model, model);
  const auto faces = s.collection_faces(all[0].id);
  ASSERT_EQ(faces.size(), 2u);
  EXPECT_EQ(faces[1].id, face);
  EXPECT_EQ(faces[1].embedding, (std::vector<float>{0, 1, 0, 0}));
  // Deleting the collection takes its persons and faces.
  EXPECT_TRUE(s.delete_collection(all[0].id));
  EXPECT_TRUE(s.collection_faces(all[0].id).empty());
}

TEST(Store, AFileThatIsNotADatabaseIsAnErrorNamingIt) {
  const auto path = test::temp_path("not_a_db.sqlite");
  std::ofstream(path) << "this is a text file, certainly not SQLite, and long enough to have a header";
  try {
    Store s(path);
    FAIL() << "opened";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
  }
}

TEST(Request, RoutesAndTheirErrors) {
  auto m = match_route("POST", "/v1/collections/12/persons/7/faces");
  EXPECT_EQ(m.id, RouteId::Faces);
  EXPECT_EQ(m.ids, (std::vector<int64_t>{12, 7}));
  EXPECT_EQ(m.pattern, "/v1/collections/{c}/persons/{p}/faces");
  EXPECT_EQ(match_route("GET", "/").id, RouteId::Page);
  EXPECT_EQ(match_route("GET", "/app.js").file, "app.js");
  auto status = [](const std::string& method, const std::string& path) {
    try {
      match_route(method, path);
      return 200;
    } catch (const HttpError& e) {
      return e.status();
    }
  };
  EXPECT_EQ(status("GET", "/v1/collections/0"), 404);
  EXPECT_EQ(status("GET", "/v1/collections/1x"), 404);
  EXPECT_EQ(status("GET", "/../etc/passwd"), 404);
  EXPECT_EQ(status("GET", "/.hidden"), 404);
  EXPECT_EQ(status("PUT", "/v1/collections/1"), 405);
  EXPECT_EQ(status("POST", "/"), 405);
  EXPECT_EQ(int_parameter("top_k", "", 1, 100, 5), 5);
  EXPECT_EQ(int_parameter("top_k", "17", 1, 100, 5), 17);
  EXPECT_THROW(int_parameter("top_k", "101", 1, 100, 5), HttpError);
  EXPECT_THROW(int_parameter("top_k", "99999999999999999999", 1, 100, 5), HttpError);
  EXPECT_TRUE(key_matches("Bearer k1", "", "k1"));
  EXPECT_TRUE(key_matches("", "k1", "k1"));
  EXPECT_FALSE(key_matches("Bearer k12", "", "k1"));
  EXPECT_FALSE(key_matches("", "", "k1"));
}

// serve_request_fuzz's finding (tests/fuzz/crashes/serve_request_fuzz/invalid-utf8-message): a
// message quoting request bytes that are not UTF-8 made the JSON writer throw (a 500 instead of
// the 404 the request deserved).
TEST(Request, ErrorBodiesQuotingNonUtf8BytesAreValidJson) {
  try {
    match_route("GET", "/v1/\xff\xfe");
    FAIL() << "matched";
  } catch (const HttpError& e) {
    EXPECT_EQ(e.status(), 404);
    const auto body = nlohmann::json::parse(error_body(e.code(), e.what()));
    EXPECT_EQ(body["error"]["code"], "not_found");
  }
}

// serve_request_fuzz's second finding (crashes/serve_request_fuzz/number-overflow): a number too
// large for a double is nlohmann's out_of_range, not a parse_error, and escaped as a 500.
TEST(Request, AnOverflowingNumberIsBadJson) {
  try {
    parse_json_object("{\"threshold\": 966E666666666666}");
    FAIL() << "parsed";
  } catch (const HttpError& e) {
    EXPECT_EQ(e.status(), 400);
    EXPECT_EQ(e.code(), "bad_json");
  }
}
