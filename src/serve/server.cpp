#include "facenet/serve/server.h"

#include <fmt/format.h>
#include <httplib.h>
#include <signal.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <thread>

#include "facenet/core/error.h"
#include "facenet/serve/api.h"
#include "facenet/serve/metrics.h"
#include "facenet/serve/model_runner.h"
#include "facenet/serve/store.h"

namespace facenet::serve {

namespace {
/// The code of an error cpp-httplib answers by itself (before any route runs).
std::string library_error_code(int status) {
  switch (status) {
    case 400: return "bad_request";
    case 404: return "not_found";
    case 405: return "method_not_allowed";
    case 408: return "request_timeout";
    case 413: return "body_too_large";
    case 414: return "uri_too_long";
    case 416: return "bad_range";
    default: return status < 500 ? "bad_request" : "internal";
  }
}

std::string library_error_message(int status, const httplib::Request& req, const ServeConfig& config) {
  switch (status) {
    case 413:
      // cpp-httplib caps form-urlencoded bodies at 8 KiB (curl --data-binary's default type).
      if (req.get_header_value("Content-Type") == "application/x-www-form-urlencoded")
        return "a form-urlencoded body over 8 KiB: send an image with Content-Type image/jpeg, image/png or "
               "image/webp, or as multipart/form-data";
      return fmt::format("the request body is over {} bytes (--max-body)", config.max_body_bytes);
    case 400:
      return req.is_multipart_form_data() ? "malformed multipart/form-data body"
                                          : "malformed request (request line, headers or body)";
    case 408: return "the request was not received in time (--request-timeout)";
    default: return fmt::format("HTTP {}", status);
  }
}
}  // namespace

struct Server::Impl {
  ServeConfig config;
  Metrics metrics;
  std::unique_ptr<Store> store;
  std::unique_ptr<ModelRunner> runner;
  std::unique_ptr<Api> api;
  httplib::Server http;
  std::thread listener;
  int port = 0;
  bool stopped = false;

  void handle(const httplib::Request& req, httplib::Response& res) {
    const auto start = std::chrono::steady_clock::now();
    metrics.in_flight(1);
    ApiRequest r;
    r.method = req.method;
    r.path = req.path;
    for (const auto& [k, v] : req.params) r.query.emplace(k, v);
    r.content_type = req.get_header_value("Content-Type");
    r.authorization = req.get_header_value("Authorization");
    r.x_api_key = req.get_header_value("X-API-Key");
    r.body = req.body;
    for (const auto& [name, part] : req.files) r.parts.push_back({part.name, part.filename, part.content_type, part.content});
    std::string route;
    auto reply = api->handle(r, &route);
    res.status = reply.status;
    for (const auto& [k, v] : reply.headers) res.set_header(k, v);
    res.set_content(std::move(reply.body), reply.content_type);
    metrics.in_flight(-1);
    metrics.request(route, reply.status,
                    std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
};

Server::Server(const ServeConfig& config) : impl_(std::make_unique<Impl>()) {
  auto& m = *impl_;
  m.config = config;
  m.store = std::make_unique<Store>(config.db);
  m.runner = std::make_unique<ModelRunner>(config, m.metrics);
  m.api = std::make_unique<Api>(config, *m.store, *m.runner, m.metrics);

  auto& http = m.http;
  const auto handler = [this](const httplib::Request& req, httplib::Response& res) { impl_->handle(req, res); };
  http.Get(".*", handler);
  http.Post(".*", handler);
  http.Put(".*", handler);
  http.Patch(".*", handler);
  http.Delete(".*", handler);
  http.Options(".*", handler);
  // Errors the library answers itself (oversize or malformed requests) get the JSON shape too.
  http.set_error_handler([this](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return;  // a reply of ours
    res.set_content(error_body(library_error_code(res.status), library_error_message(res.status, req, impl_->config)),
                    "application/json");
    impl_->metrics.request("unmatched", res.status, 0);
  });
  http.set_exception_handler([](const httplib::Request& req, httplib::Response& res, std::exception_ptr ep) {
    std::string what = "unknown error";
    try {
      std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      what = error_message(e);
    } catch (...) {
    }
    spdlog::error("[serve] {} {}: {}", req.method, req.path, what);
    res.status = 500;
    res.set_content(error_body("internal", what), "application/json");
  });
  http.set_payload_max_length(static_cast<size_t>(config.max_body_bytes));
  const auto timeout = std::chrono::milliseconds(static_cast<int64_t>(config.request_timeout_s * 1000));
  http.set_read_timeout(timeout);
  http.set_write_timeout(timeout);
  // Replies leave at once: with Nagle's algorithm, a reply written in two parts waits for the
  // client's delayed ACK (about 40 ms a request on loopback).
  http.set_tcp_nodelay(true);
  http.set_keep_alive_timeout(5);
  http.set_keep_alive_max_count(100000);  // the library's default (5) closes busy clients' connections
  const auto threads = static_cast<size_t>(config.max_connections);
  http.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
}

Server::~Server() { stop(); }

int Server::start() {
  auto& m = *impl_;
  if (m.config.port == 0) {
    m.port = m.http.bind_to_any_port(m.config.host);
    if (m.port <= 0) throw Error(fmt::format("facenet serve: cannot bind {} (any port)", m.config.host));
  } else {
    if (!m.http.bind_to_port(m.config.host, m.config.port))
      throw Error(fmt::format("facenet serve: cannot bind {}:{} (in use, or not an address of this machine)",
                              m.config.host, m.config.port));
    m.port = m.config.port;
  }
  m.listener = std::thread([this] { impl_->http.listen_after_bind(); });
  spdlog::info("[serve] listening on http://{}:{}/ ({}API key)", m.config.host, m.port,
               m.config.api_key.empty() ? "no " : "");
  return m.port;
}

void Server::stop() {
  auto& m = *impl_;
  if (m.stopped) return;
  m.stopped = true;
  // stop() closes the listening socket; listen_after_bind returns once the thread pool has
  // finished every request in flight.
  m.http.stop();
  if (m.listener.joinable()) m.listener.join();
  m.runner->stop();
  m.api.reset();
  m.store.reset();  // closes SQLite: the WAL checkpointed
  spdlog::info("[serve] stopped");
}

int Server::port() const { return impl_->port; }
const Metrics& Server::metrics() const { return impl_->metrics; }

int run_serve(ServeConfig config) {
  validate_serve_config(config);
  // SIGTERM/SIGINT are taken by sigwait on a thread of ours: blocked here, before any thread
  // starts, so that every thread inherits the mask and none is interrupted.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  Server server(config);
  server.start();
  int sig = 0;
  sigwait(&signals, &sig);
  spdlog::info("[serve] signal {}: draining (requests in flight finish, then the database closes)", sig);
  // A second signal, or a drain past the deadline, ends the process at once.
  const double grace = config.request_timeout_s + 10;
  std::thread([signals, grace] {
    struct timespec wait {};
    wait.tv_sec = static_cast<time_t>(grace);
    siginfo_t info{};
    const int again = sigtimedwait(&signals, &info, &wait);
    std::fprintf(stderr, "facenet serve: %s; exiting at once\n",
                 again > 0 ? "a second signal" : "the drain took longer than the request timeout + 10 s");
    std::_Exit(128 + (again > 0 ? again : SIGTERM));
  }).detach();
  server.stop();
  return 0;
}

}  // namespace facenet::serve
