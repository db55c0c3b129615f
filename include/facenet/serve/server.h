#pragma once
// `facenet serve`: the HTTP server (cpp-httplib) in front of the API, and the process around it
// (signals, draining). Torch-free.
#include <memory>

#include "facenet/serve/serve_config.h"

namespace facenet::serve {

class Metrics;

class Server {
 public:
  /// Loads the model, opens the database and builds the indexes; `config` validated
  /// (validate_serve_config). Throws facenet::Error naming the model or database file.
  explicit Server(const ServeConfig& config);
  ~Server();  ///< stop()

  /// Binds config.host:config.port (0 = a free port) and starts answering on a thread of its
  /// own; returns the port. Throws facenet::Error when the address cannot be bound.
  int start();
  /// Stops accepting, lets the requests in flight finish, ends the model's worker and closes the
  /// database (idempotent).
  void stop();

  int port() const;
  const Metrics& metrics() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Validates `config`, serves until SIGTERM or SIGINT, then drains (in-flight requests finish,
/// the database is closed) and returns 0. A second signal, or a drain longer than
/// request_timeout_s + 10 s, ends the process at once with 128 + the signal.
int run_serve(ServeConfig config);

}  // namespace facenet::serve
