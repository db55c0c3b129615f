// The web page at "/" in a real browser: Debian's chromium, headless, loads the page with a
// scripted flow (#selftest:<photo>): the photo is detected (boxes drawn), enrolled into a new
// collection and searched, as the buttons would; the test reads the rendered DOM over the
// DevTools protocol once the page says it is done. Skipped when chromium is not installed.
#include <gtest/gtest.h>

#include <cstdlib>

#include "serve/serve_fixture.h"
#include "support/headless_chromium.h"

using namespace facenet;
using namespace facenet::test;

namespace {
std::string chromium() {
  for (const char* p : {"/usr/bin/chromium", "/usr/bin/chromium-browser"})
    if (std::filesystem::exists(p)) return p;
  return "";
}

std::string base64(const std::string& bytes) {
  static const char* t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const uint32_t v = (uint8_t(bytes[i]) << 16) | (uint8_t(bytes[i + 1]) << 8) | uint8_t(bytes[i + 2]);
    out += {t[v >> 18], t[(v >> 12) & 63], t[(v >> 6) & 63], t[v & 63]};
  }
  if (i + 1 == bytes.size()) {
    const uint32_t v = uint8_t(bytes[i]) << 16;
    out += {t[v >> 18], t[(v >> 12) & 63], '=', '='};
  } else if (i + 2 == bytes.size()) {
    const uint32_t v = (uint8_t(bytes[i]) << 16) | (uint8_t(bytes[i + 1]) << 8);
    out += {t[v >> 18], t[(v >> 12) & 63], t[(v >> 6) & 63], '='};
  }
  return out;
}

}  // namespace

TEST(ServePage, ServesTheBuiltInFiles) {
  LiveServer s(serve_config(fresh_db("page_files.sqlite")));
  auto index = s.client.Get("/");
  ASSERT_EQ(index->status, 200);
  EXPECT_NE(index->get_header_value("Content-Type").find("text/html"), std::string::npos);
  EXPECT_NE(index->body.find("<script src=\"app.js\">"), std::string::npos);
  auto js = s.client.Get("/app.js");
  ASSERT_EQ(js->status, 200);
  EXPECT_NE(js->get_header_value("Content-Type").find("javascript"), std::string::npos);
  EXPECT_EQ(s.client.Get("/style.css")->status, 200);
  // No external URL anywhere in the page.
  for (const auto& body : {index->body, js->body, s.client.Get("/style.css")->body})
    EXPECT_EQ(body.find("http"), std::string::npos);
}

TEST(ServePage, HeadlessChromiumDetectsEnrolsAndSearchesAPhoto) {
  if (chromium().empty()) GTEST_SKIP() << "chromium is not installed (apt-get install chromium): page test skipped";
  LiveServer s(serve_config(fresh_db("page.sqlite")));
  const auto url = "http://127.0.0.1:" + std::to_string(s.server.port()) + "/#selftest:" + base64(face_photo(6, 0));
  HeadlessChromium browser(chromium(), temp_path("chromium-profile"), temp_path("chromium.log"));
  const auto page = browser.open(url);
  // The page's scripted run ends by setting <body data-selftest>: done or error.
  const auto dom = browser.poll(
      page, "document.body && document.body.dataset.selftest ? document.documentElement.outerHTML : ''", 90);
  ASSERT_NE(dom.find("data-selftest=\"done\""), std::string::npos) << dom.substr(0, 4000);
  EXPECT_NE(dom.find("detected 1; enrolled 1; search: selftest person"), std::string::npos) << dom.substr(0, 4000);
  EXPECT_NE(dom.find("faces: 1"), std::string::npos);
  // The server saw the page's calls.
  const auto metrics = s.client.Get("/metrics")->body;
  EXPECT_NE(metrics.find("route=\"/v1/detect\",status=\"200\""), std::string::npos);
  EXPECT_NE(metrics.find("route=\"/v1/collections/{c}/search\",status=\"200\""), std::string::npos);
  // A screenshot of the page with the result, for the README (optional: FACENET_SCREENSHOT=path).
  if (const char* shot = std::getenv("FACENET_SCREENSHOT")) {
    browser.screenshot(page, shot);
    EXPECT_TRUE(std::filesystem::exists(shot));
  }
}
