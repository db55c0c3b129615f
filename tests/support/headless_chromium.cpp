#include "support/headless_chromium.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <stdexcept>
#include <thread>
#include <vector>

#include "support/process.h"

namespace facenet::test {

namespace {
using Clock = std::chrono::steady_clock;

std::string base64_decode(const std::string& in) {
  std::string out;
  uint32_t bits = 0;
  int have = 0;
  for (char c : in) {
    int v;
    if (c >= 'A' && c <= 'Z') v = c - 'A';
    else if (c >= 'a' && c <= 'z') v = c - 'a' + 26;
    else if (c >= '0' && c <= '9') v = c - '0' + 52;
    else if (c == '+') v = 62;
    else if (c == '/') v = 63;
    else continue;  // '=' padding
    bits = (bits << 6) | static_cast<uint32_t>(v);
    if ((have += 6) >= 8) out += static_cast<char>((bits >> (have -= 8)) & 0xff);
  }
  return out;
}
}  // namespace

HeadlessChromium::HeadlessChromium(const std::string& binary, const std::string& profile, const std::string& log) {
  int commands[2], replies[2];
  if (::pipe2(commands, O_CLOEXEC) != 0 || ::pipe2(replies, O_CLOEXEC) != 0)
    throw std::runtime_error("headless chromium: pipe() failed");
  // Above 4, so that making them the child's 3 and 4 cannot overwrite one with the other.
  for (int* fd : {&commands[0], &commands[1], &replies[0], &replies[1]}) {
    const int high = ::fcntl(*fd, F_DUPFD_CLOEXEC, 10);
    ::close(*fd);
    *fd = high;
  }
  pid_ = spawn_logged({binary, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                       "--remote-debugging-pipe", "--window-size=1200,900", "--user-data-dir=" + profile, "about:blank"},
                      environment(), log, {{commands[0], 3}, {replies[1], 4}}, /*own_group: its helpers die with it*/ true);
  ::close(commands[0]);
  ::close(replies[1]);
  to_browser_ = commands[1];
  from_browser_ = replies[0];
  if (pid_ < 0) {
    ::close(to_browser_);
    ::close(from_browser_);
    throw std::runtime_error("headless chromium: cannot start " + binary);
  }
}

HeadlessChromium::~HeadlessChromium() {
  if (pid_ > 0) {
    try {
      if (!closed_) call("Browser.close", nlohmann::json::object(), "", 5);
    } catch (const std::exception&) {
    }
    if (wait_for(pid_, 5) < 0) {
      ::kill(-pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    ::kill(-pid_, SIGKILL);  // helpers left behind in its group
  }
  if (to_browser_ >= 0) ::close(to_browser_);
  if (from_browser_ >= 0) ::close(from_browser_);
}

nlohmann::json HeadlessChromium::call(const std::string& method, const nlohmann::json& params,
                                      const std::string& session, double timeout_s) {
  const int id = next_id_++;
  nlohmann::json message{{"id", id}, {"method", method}, {"params", params}};
  if (!session.empty()) message["sessionId"] = session;
  const auto bytes = message.dump() + '\0';
  for (size_t sent = 0; sent < bytes.size();) {
    const auto n = ::write(to_browser_, bytes.data() + sent, bytes.size() - sent);
    if (n <= 0) {
      closed_ = true;
      throw std::runtime_error("headless chromium: the pipe closed (" + method + ")");
    }
    sent += static_cast<size_t>(n);
  }
  const auto deadline = Clock::now() + std::chrono::duration<double>(timeout_s);
  for (;;) {
    for (size_t end; (end = pending_.find('\0')) != std::string::npos;) {
      const auto reply = nlohmann::json::parse(pending_.substr(0, end), nullptr, false);
      pending_.erase(0, end + 1);
      if (!reply.is_object() || !reply.contains("id") || reply["id"] != id) continue;  // events, other replies
      if (reply.contains("error")) throw std::runtime_error("headless chromium: " + method + ": " + reply["error"].dump());
      return reply.value("result", nlohmann::json::object());
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) throw std::runtime_error("headless chromium: no reply to " + method);
    pollfd p{from_browser_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left)) <= 0) continue;
    char buf[65536];
    const auto n = ::read(from_browser_, buf, sizeof buf);
    if (n <= 0) {
      closed_ = true;
      throw std::runtime_error("headless chromium: the browser exited (" + method + ")");
    }
    pending_.append(buf, static_cast<size_t>(n));
  }
}

std::string HeadlessChromium::open(const std::string& url) {
  const auto target = call("Target.createTarget", {{"url", "about:blank"}})["targetId"];
  const std::string session = call("Target.attachToTarget", {{"targetId", target}, {"flatten", true}})["sessionId"];
  call("Page.navigate", {{"url", url}}, session);
  return session;
}

std::string HeadlessChromium::poll(const std::string& session, const std::string& expression, double timeout_s) {
  const auto deadline = Clock::now() + std::chrono::duration<double>(timeout_s);
  while (Clock::now() < deadline) {
    try {
      const auto r = call("Runtime.evaluate", {{"expression", expression}, {"returnByValue", true}}, session);
      const auto& value = r["result"];
      if (value.value("type", "") == "string" && !value["value"].get<std::string>().empty()) return value["value"];
    } catch (const std::runtime_error&) {
      if (closed_) throw;
      // A navigation in progress destroys the context being evaluated in: try again.
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return "";
}

void HeadlessChromium::screenshot(const std::string& session, const std::string& path) {
  const std::string data = call("Page.captureScreenshot", {{"format", "png"}}, session)["data"];
  std::ofstream(path, std::ios::binary) << base64_decode(data);
}

}  // namespace facenet::test
