#pragma once
// `facenet serve`'s settings: one typed struct, validated once (validate_serve_config) before
// anything starts. Torch-free.
#include <cstdint>
#include <string>

#include "facenet/core/config.h"
#include "facenet/detect/detector.h"

namespace facenet::serve {

struct ServeConfig {
  std::string model;                ///< the network file (export or checkpoint)
  std::string db = "gallery.sqlite";  ///< the SQLite database (created when missing)
  std::string host = "127.0.0.1";
  int port = 8080;                  ///< 0 = any free port (tests; the bound one is logged)
  std::string api_key;              ///< --api-key; every request must carry it when set
  std::string api_key_file;         ///< --api-key-file: the key is the file's first line
  // Dynamic batching: the faces of concurrent requests go through one forward pass.
  int64_t max_batch = 16;           ///< faces per forward pass; 1 = batching off
  double max_wait_ms = 5;           ///< how long the first face of a batch waits for others
  // Limits.
  int64_t max_body_bytes = 16 << 20;  ///< request body
  int64_t max_pixels = 25'000'000;  ///< width x height an image header may claim
  int64_t max_faces = 32;           ///< faces per image (more: the largest ones)
  int64_t max_images = 16;          ///< images per request (enrolment)
  double request_timeout_s = 30;    ///< reading a request, and waiting for the network
  int64_t max_connections = 64;     ///< connections served at once (further ones wait)
  int threads = 0;                  ///< LibTorch intra-op threads; 0 = all cores
  detect::DetectRequest detect;     ///< --detect ...: "" = the model's detector and crop rule
  InferenceDtype dtype = InferenceDtype::FP32;
  int64_t min_face = 0;             ///< enrolment: a face whose box side is smaller is rejected ("too small"); 0 = 20 px
};

/// Checks every value and reads api_key_file into api_key. Throws facenet::ConfigError naming
/// the flag: a non-loopback host without a key, max_batch < 1, a negative wait, a zero limit,
/// an unreadable or empty key file.
void validate_serve_config(ServeConfig& config);

/// True for 127.0.0.0/8, ::1 and "localhost".
bool is_loopback_host(const std::string& host);

}  // namespace facenet::serve
