// What outlives a server: enrolments across a restart; and what batching does under concurrent
// requests, read from /metrics.
#include <gtest/gtest.h>

#include <chrono>
#include <regex>
#include <thread>

#include "facenet/serve/metrics.h"
#include "serve/serve_fixture.h"

using namespace facenet;
using namespace facenet::test;
using nlohmann::json;

namespace {
double metric(const std::string& text, const std::string& name) {
  std::smatch m;
  const std::regex re("(^|\n)" + std::regex_replace(name, std::regex(R"([{}\[\]\"+.])"), R"(\$&)") + " ([0-9.e+-]+)");
  if (!std::regex_search(text, m, re)) return -1;
  return std::stod(m[2]);
}

/// `clients` threads each embed one photo at the same moment; the server's /metrics after.
std::string concurrent_embeddings(int64_t max_batch, int clients) {
  auto config = serve_config(fresh_db("batch.sqlite"));
  config.max_batch = max_batch;
  config.max_wait_ms = 200;
  LiveServer s(config);
  const auto port = s.server.port();
  std::vector<std::string> photos;
  for (int i = 0; i < clients; ++i) photos.push_back(face_photo(i, 0));
  std::vector<int> status(static_cast<size_t>(clients), 0);
  std::vector<std::thread> threads;
  for (int i = 0; i < clients; ++i)
    threads.emplace_back([&, i] {
      httplib::Client c("127.0.0.1", port);
      c.set_read_timeout(30, 0);
      auto r = c.Post("/v1/embeddings", photos[static_cast<size_t>(i)], "image/png");
      status[static_cast<size_t>(i)] = r ? r->status : -1;
    });
  for (auto& t : threads) t.join();
  for (int st : status) EXPECT_EQ(st, 200);
  return s.client.Get("/metrics")->body;
}
}  // namespace

TEST(ServeState, EnrolmentsSurviveARestart) {
  const auto db = fresh_db("restart.sqlite");
  int64_t col = 0, person = 0;
  {
    LiveServer s(serve_config(db));
    col = json_of(s.client.Post("/v1/collections", json{{"name", "kept"}, {"threshold", 0.995}}.dump(),
                                "application/json"))["id"];
    person = json_of(s.client.Post("/v1/collections/" + std::to_string(col) + "/persons",
                                   json{{"name", "Zoe"}}.dump(), "application/json"))["id"];
    auto r = s.client.Post("/v1/collections/" + std::to_string(col) + "/persons/" + std::to_string(person) + "/faces",
                           face_photo(4, 0), "image/png");
    ASSERT_EQ(r->status, 201) << r->body;
  }
  LiveServer s(serve_config(db));
  EXPECT_EQ(json_of(s.client.Get("/v1/health"))["gallery"]["faces"], 1);
  auto found = json_of(s.client.Post("/v1/collections/" + std::to_string(col) + "/search", face_photo(4, 0), "image/png"));
  ASSERT_EQ(found["faces"].size(), 1u);
  EXPECT_EQ(found["faces"][0]["label"], "Zoe");
}

TEST(ServeState, ConcurrentRequestsShareForwardPasses) {
  const auto text = concurrent_embeddings(8, 8);
  const double faces = metric(text, "facenet_faces_embedded_total");
  const double batches = metric(text, "facenet_batch_faces_count");
  const double singles = metric(text, "facenet_batch_faces_bucket{le=\"1\"}");
  EXPECT_EQ(faces, 8) << text;
  EXPECT_LT(batches, 8) << "no batch of more than one face:\n" << text;
  EXPECT_LT(singles, batches + 0.5);
  EXPECT_GE(metric(text, "facenet_http_requests_total{route=\"/v1/embeddings\",status=\"200\"}"), 8) << text;
  EXPECT_EQ(metric(text, "facenet_queue_depth"), 0);
}

// The wait for company is adaptive: with no other request on its way, a face goes through at
// once instead of waiting out --max-wait-ms (10 s here; the reply comes long before).
TEST(ServeState, ALoneRequestDoesNotWaitForCompany) {
  auto config = serve_config(fresh_db("lone.sqlite"));
  config.max_batch = 16;
  config.max_wait_ms = 10000;
  LiveServer s(config);
  s.client.set_read_timeout(60, 0);
  for (int i = 0; i < 3; ++i) {
    const auto start = std::chrono::steady_clock::now();
    auto r = s.client.Post("/v1/embeddings", face_photo(i, 0), "image/png");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), 5.0);
  }
  EXPECT_EQ(metric(s.client.Get("/metrics")->body, "facenet_batch_faces_count"), 3);
}

TEST(ServeState, BatchingOffRunsOneFacePerPass) {
  const auto text = concurrent_embeddings(1, 6);
  EXPECT_EQ(metric(text, "facenet_faces_embedded_total"), 6) << text;
  EXPECT_EQ(metric(text, "facenet_batch_faces_count"), 6) << text;
  EXPECT_EQ(metric(text, "facenet_batch_faces_bucket{le=\"1\"}"), 6) << text;
}
