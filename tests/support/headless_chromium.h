#pragma once
// Debian's chromium, headless, driven over the DevTools protocol on a pipe
// (--remote-debugging-pipe: commands on the child's fd 3, replies on its fd 4, each message JSON
// ended by a NUL). A test opens a page and polls a JavaScript expression until the page says it
// is done, so it waits for the page's own work (fetches, image decoding) however long that
// takes, where --dump-dom's virtual-time budget can run out while the page is still working.
#include <sys/types.h>

#include <nlohmann/json.hpp>
#include <string>

namespace facenet::test {

class HeadlessChromium {
 public:
  /// Starts `binary` with a fresh profile in `profile`; its own output goes to `log`.
  HeadlessChromium(const std::string& binary, const std::string& profile, const std::string& log);
  ~HeadlessChromium();  ///< Browser.close, then SIGKILL to its process group if it lingers
  HeadlessChromium(const HeadlessChromium&) = delete;
  HeadlessChromium& operator=(const HeadlessChromium&) = delete;

  /// One DevTools command (on a page's `session`, or the browser's); its result. Throws
  /// std::runtime_error on an error reply, on a closed pipe, or after `timeout_s`.
  nlohmann::json call(const std::string& method, const nlohmann::json& params, const std::string& session = "",
                      double timeout_s = 30);

  /// Opens `url` in a new page (1200 x 900 CSS pixels); the page's session id.
  std::string open(const std::string& url);

  /// Evaluates `expression` (JavaScript giving a string) in the page every 100 ms until it gives
  /// a non-empty string, and returns that; "" after `timeout_s`.
  std::string poll(const std::string& session, const std::string& expression, double timeout_s);

  /// A PNG of the page as it is rendered now, written to `path`.
  void screenshot(const std::string& session, const std::string& path);

 private:
  pid_t pid_ = -1;
  int to_browser_ = -1, from_browser_ = -1;
  int next_id_ = 1;
  bool closed_ = false;  ///< the browser's pipe closed: nothing more will come
  std::string pending_;  ///< bytes read past the last whole message
};

}  // namespace facenet::test
