// Bad requests against a real server: each gets its 4xx and JSON error code, and the server
// keeps answering everyone else (a health check after each, and one at the end).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "facenet/core/error.h"
#include "serve/serve_fixture.h"

using namespace facenet;
using namespace facenet::test;
using nlohmann::json;

namespace {

/// Sends raw bytes over a new connection and returns what comes back until the server closes
/// it or `seconds` pass.
std::string raw_exchange(int port, const std::string& bytes, double seconds = 10) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd);
    return "";
  }
  timeval tv{static_cast<time_t>(seconds), 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  if (!bytes.empty()) (void)!::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
  std::string out;
  char buf[4096];
  for (;;) {
    const auto n = ::recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

int status_of(const std::string& response) {
  if (response.rfind("HTTP/1.1 ", 0) != 0) return -1;
  return std::stoi(response.substr(9, 3));
}

std::string body_of(const std::string& response) {
  const auto at = response.find("\r\n\r\n");
  return at == std::string::npos ? "" : response.substr(at + 4);
}

struct Errors : ::testing::Test {
  static void SetUpTestSuite() {
    auto config = serve_config(fresh_db("errors.sqlite"));
    config.max_body_bytes = 200'000;
    config.max_pixels = 1'000'000;
    config.request_timeout_s = 2;
    live = new LiveServer(config);
    auto r = live->client.Post("/v1/collections", json{{"name", "c"}}.dump(), "application/json");
    ASSERT_EQ(r->status, 201);
  }
  static void TearDownTestSuite() {
    delete live;
    live = nullptr;
  }
  void TearDown() override {
    auto h = live->client.Get("/v1/health");
    ASSERT_TRUE(h) << "the server stopped answering";
    EXPECT_EQ(h->status, 200);
  }
  static void expect(const httplib::Result& r, int status, const std::string& code) {
    ASSERT_TRUE(r) << "no reply (" << httplib::to_string(r.error()) << ")";
    EXPECT_EQ(r->status, status) << r->body;
    EXPECT_EQ(error_code(r), code) << r->body;
    const auto j = json_of(r);
    ASSERT_TRUE(j.is_object()) << r->body;
    const auto message = j["error"].value("message", "");
    EXPECT_FALSE(message.empty());
    EXPECT_EQ(message.find('\n'), std::string::npos) << "one line";
  }
  static LiveServer* live;
};
LiveServer* Errors::live = nullptr;

}  // namespace

TEST_F(Errors, MalformedJson) {
  auto& c = live->client;
  expect(c.Post("/v1/collections", "{\"name\": ", "application/json"), 400, "bad_json");
  expect(c.Post("/v1/collections", "[1, 2]", "application/json"), 400, "bad_json");
  expect(c.Post("/v1/collections", "{\"name\": 5}", "application/json"), 400, "bad_field");
  expect(c.Post("/v1/collections", "{\"name\": \"\"}", "application/json"), 400, "bad_field");
  expect(c.Post("/v1/collections", "{\"name\": \"x\", \"threshold\": 3}", "application/json"), 400, "bad_field");
  expect(c.Patch("/v1/collections/1", "{}", "application/json"), 400, "bad_field");
}

TEST_F(Errors, BadMultipart) {
  auto& c = live->client;
  // A boundary that never appears, and a body cut in the middle of a part.
  expect(c.Post("/v1/detect", "--nope\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nxx",
                "multipart/form-data; boundary=XYZ"),
         400, "bad_request");
  expect(c.Post("/v1/detect", "garbage", "multipart/form-data"), 400, "bad_request");
  // Well-formed multipart without any image part.
  httplib::MultipartFormDataItems items{{"note", "hello", "", "text/plain"}};
  expect(c.Post("/v1/detect", items), 400, "no_image");
}

TEST_F(Errors, NonImageTruncatedAndHugeImages) {
  auto& c = live->client;
  expect(c.Post("/v1/detect", "plain text, not a picture", "image/png"), 415, "unsupported_image");
  expect(c.Post("/v1/detect", "", "image/png"), 400, "no_image");
  // BMP decodes elsewhere in facenet, but the service takes JPEG, PNG and WebP.
  cv::Mat img(40, 40, CV_8UC3, cv::Scalar(1, 2, 3));
  std::vector<uchar> bmp;
  cv::imencode(".bmp", img, bmp);
  expect(c.Post("/v1/detect", std::string(bmp.begin(), bmp.end()), "image/bmp"), 415, "unsupported_image");
  const auto jpeg = face_photo(1, 0, ".jpg");
  expect(c.Post("/v1/detect", jpeg.substr(0, jpeg.size() / 2), "image/jpeg"), 400, "bad_image");
  const auto png = face_photo(1, 0, ".png");
  expect(c.Post("/v1/detect", png.substr(0, 20), "image/png"), 400, "bad_image");
  expect(c.Post("/v1/detect", png.substr(0, png.size() - 200), "image/png"), 400, "bad_image");
  // A PNG header claiming 2000 x 2000 pixels: refused before decoding (limit 1e6 here).
  cv::Mat big(2000, 2000, CV_8UC3, cv::Scalar(0, 0, 0));
  std::vector<uchar> big_png;
  cv::imencode(".png", big, big_png);
  ASSERT_LT(big_png.size(), 200'000u);
  expect(c.Post("/v1/detect", std::string(big_png.begin(), big_png.end()), "image/png"), 413, "too_many_pixels");
}

TEST_F(Errors, UnknownRoutesMethodsAndIds) {
  auto& c = live->client;
  expect(c.Get("/v1/nothing"), 404, "not_found");
  expect(c.Get("/v2/health"), 404, "not_found");
  expect(c.Delete("/v1/health"), 405, "method_not_allowed");
  expect(c.Put("/v1/collections", "{}", "application/json"), 405, "method_not_allowed");
  expect(c.Post("/v1/collections/1", "{}", "application/json"), 405, "method_not_allowed");
  expect(c.Get("/v1/collections/999"), 404, "collection_not_found");
  expect(c.Get("/v1/collections/abc"), 404, "not_found");
  expect(c.Get("/v1/collections/-1"), 404, "not_found");
  expect(c.Get("/v1/collections/99999999999999999999"), 404, "not_found");
  expect(c.Get("/v1/collections/1/persons/77"), 404, "person_not_found");
  expect(c.Delete("/v1/collections/1/persons/77/faces/5"), 404, "person_not_found");
  expect(c.Post("/v1/collections/999/search", face_photo(1, 0), "image/png"), 404, "collection_not_found");
  expect(c.Get("/v1/collections/1/search"), 405, "method_not_allowed");
  expect(c.Get("/nope.js"), 404, "not_found");
  expect(c.Get("/v1/collections/1/search?top_k=0"), 405, "method_not_allowed");
  expect(c.Post("/v1/collections/1/search?top_k=abc", face_photo(1, 0), "image/png"), 400, "bad_parameter");
  // A method the server does not know at all.
  const auto r = raw_exchange(live->server.port(), "BREW /v1/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(status_of(r), 400) << r;
  EXPECT_EQ(json::parse(body_of(r), nullptr, false)["error"]["code"], "bad_request") << r;
}

TEST_F(Errors, OversizeBodies) {
  auto& c = live->client;
  const std::string big(300'000, 'x');
  expect(c.Post("/v1/detect", big, "image/png"), 413, "body_too_large");
  // A Content-Length over the limit is refused before the body is read.
  const auto r = raw_exchange(live->server.port(),
                              "POST /v1/detect HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\nContent-Length: "
                              "999999999\r\nConnection: close\r\n\r\nabc");
  EXPECT_EQ(status_of(r), 413) << r;
  EXPECT_EQ(json::parse(body_of(r), nullptr, false)["error"]["code"], "body_too_large");
}

TEST_F(Errors, SlowClientsAreCutOffAndOthersAreServed) {
  const int port = live->server.port();
  // One client sends half its headers and stalls; another promises a body it never sends.
  std::string stalled_headers, stalled_body;
  std::thread a([&] { stalled_headers = raw_exchange(port, "GET /v1/health HTTP/1.1\r\nHost: x\r\n", 15); });
  std::thread b([&] {
    stalled_body = raw_exchange(port,
                                "POST /v1/detect HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\nContent-Length: "
                                "1000\r\n\r\nabc",
                                15);
  });
  // Meanwhile the server answers others at once.
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 5; ++i) EXPECT_EQ(live->client.Get("/v1/health")->status, 200);
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), 1.5);
  a.join();
  b.join();
  const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_LT(took, 10) << "the stalled connections were held past the request timeout (2 s)";
  // The stalled body gets a 4xx with the JSON shape; stalled headers are simply closed.
  EXPECT_TRUE(status_of(stalled_body) == 400 || status_of(stalled_body) == 408) << stalled_body;
  if (status_of(stalled_body) > 0) {
    EXPECT_TRUE(json::parse(body_of(stalled_body), nullptr, false).contains("error")) << stalled_body;
  }
  EXPECT_TRUE(stalled_headers.empty() || status_of(stalled_headers) >= 400) << stalled_headers;
}

TEST_F(Errors, ApiKeyIsRequiredWhenSet) {
  auto config = serve_config(fresh_db("errors_key.sqlite"));
  config.api_key = "s3cret";
  LiveServer keyed(config);
  expect(keyed.client.Get("/v1/health"), 401, "unauthorized");
  expect(keyed.client.Get("/metrics"), 401, "unauthorized");
  httplib::Headers wrong{{"Authorization", "Bearer nope"}};
  expect(keyed.client.Get("/v1/health", wrong), 401, "unauthorized");
  httplib::Headers bearer{{"Authorization", "Bearer s3cret"}}, header{{"X-API-Key", "s3cret"}};
  EXPECT_EQ(keyed.client.Get("/v1/health", bearer)->status, 200);
  EXPECT_EQ(keyed.client.Get("/v1/health", header)->status, 200);
  // The page (static files, no data) loads without the key; it asks for it.
  EXPECT_EQ(keyed.client.Get("/")->status, 200);
}

TEST(ServeConfig, UnsafeOrNonsenseSettingsAreRefusedAtStart) {
  auto expect_refused = [](serve::ServeConfig c, const std::string& fragment) {
    try {
      serve::validate_serve_config(c);
      FAIL() << "accepted; expected an error naming " << fragment;
    } catch (const ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
    }
  };
  serve::ServeConfig c;
  c.model = "m.pt";
  c.host = "0.0.0.0";
  expect_refused(c, "--api-key");
  c.host = "127.0.0.1";
  c.max_batch = 0;
  expect_refused(c, "--max-batch");
  c.max_batch = 4;
  c.max_body_bytes = 10;
  expect_refused(c, "--max-body");
  c.max_body_bytes = 1 << 20;
  c.api_key_file = "/nonexistent/key";
  expect_refused(c, "/nonexistent/key");
  c.api_key_file.clear();
  c.host = "0.0.0.0";
  c.api_key = "k";
  EXPECT_NO_THROW(serve::validate_serve_config(c));
}
