#include "facenet/serve/serve_config.h"

#include <fmt/format.h>

#include <fstream>

#include "facenet/core/error.h"

namespace facenet::serve {

bool is_loopback_host(const std::string& host) {
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

void validate_serve_config(ServeConfig& c) {
  auto need = [](bool ok, const std::string& what) {
    if (!ok) throw ConfigError("facenet serve: " + what);
  };
  need(!c.model.empty(), "--model is required");
  need(!c.db.empty(), "--db must name a file");
  need(c.port >= 0 && c.port <= 65535, fmt::format("--port {} is not a TCP port (0-65535)", c.port));
  if (!c.api_key_file.empty()) {
    need(c.api_key.empty(), "give --api-key or --api-key-file, not both");
    std::ifstream in(c.api_key_file);
    need(static_cast<bool>(in), fmt::format("--api-key-file '{}' cannot be read", c.api_key_file));
    std::getline(in, c.api_key);
    while (!c.api_key.empty() && (c.api_key.back() == '\r' || c.api_key.back() == ' ')) c.api_key.pop_back();
    need(!c.api_key.empty(), fmt::format("--api-key-file '{}': the first line is empty", c.api_key_file));
  }
  need(is_loopback_host(c.host) || !c.api_key.empty(),
       fmt::format("--host {} is reachable from other machines: give --api-key or --api-key-file (or bind 127.0.0.1)",
                   c.host));
  need(c.max_batch >= 1, fmt::format("--max-batch {} must be >= 1 (1 = batching off)", c.max_batch));
  need(c.max_batch <= 1024, fmt::format("--max-batch {} must be <= 1024", c.max_batch));
  need(c.max_wait_ms >= 0 && c.max_wait_ms <= 10000, fmt::format("--max-wait-ms {} must be in [0, 10000]", c.max_wait_ms));
  need(c.max_body_bytes >= 1024, fmt::format("--max-body {} must be >= 1024 bytes", c.max_body_bytes));
  need(c.max_pixels >= 64 * 64, fmt::format("--max-pixels {} must be >= 4096", c.max_pixels));
  need(c.max_faces >= 1, fmt::format("--max-faces {} must be >= 1", c.max_faces));
  need(c.max_images >= 1, fmt::format("--max-images {} must be >= 1", c.max_images));
  need(c.request_timeout_s > 0 && c.request_timeout_s <= 3600,
       fmt::format("--request-timeout {} must be in (0, 3600] seconds", c.request_timeout_s));
  need(c.max_connections >= 1 && c.max_connections <= 4096,
       fmt::format("--max-connections {} must be in [1, 4096]", c.max_connections));
  need(c.threads >= 0, fmt::format("--threads {} must be >= 0 (0 = all cores)", c.threads));
  need(c.min_face >= 0, fmt::format("--min-face {} must be >= 0", c.min_face));
}

}  // namespace facenet::serve
