#include "commands/common.h"
#include "facenet/serve/server.h"

namespace facenet::cli {

void register_serve(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "serve", "Face recognition service: the /v1 REST API, a web page at /, SQLite gallery, dynamic batching");
  auto o = std::make_shared<serve::ServeConfig>();
  add_model_option(cmd, o->model)->required();
  cmd->add_option("--db", o->db, "SQLite database of collections, persons and faces (created when missing)")
      ->capture_default_str();
  cmd->add_option("--host", o->host, "Address to bind (another than loopback needs an API key)")->capture_default_str();
  cmd->add_option("--port", o->port, "TCP port (0 = any free one, logged)")->capture_default_str();
  cmd->add_option("--api-key", o->api_key, "Key every request must carry (Authorization: Bearer KEY or X-API-Key)");
  cmd->add_option("--api-key-file", o->api_key_file, "File whose first line is the API key");
  cmd->add_option("--max-batch", o->max_batch, "Faces per forward pass, from concurrent requests (1 = batching off)")
      ->capture_default_str();
  cmd->add_option("--max-wait-ms", o->max_wait_ms, "Longest a face waits for others to fill a batch (only while other requests are on their way)")
      ->capture_default_str();
  cmd->add_option("--max-body", o->max_body_bytes, "Largest request body in bytes")->capture_default_str();
  cmd->add_option("--max-pixels", o->max_pixels, "Largest image (width x height) a request may send")
      ->capture_default_str();
  cmd->add_option("--max-faces", o->max_faces, "Faces per image (the largest ones)")->capture_default_str();
  cmd->add_option("--max-images", o->max_images, "Images per request")->capture_default_str();
  cmd->add_option("--request-timeout", o->request_timeout_s, "Seconds to read a request, and to wait for the network")
      ->capture_default_str();
  cmd->add_option("--max-connections", o->max_connections, "Connections served at once (more wait)")
      ->capture_default_str();
  cmd->add_option("--min-enrol-face", o->min_face, "Enrolment rejects faces smaller than this side in pixels (0 = 32)")
      ->capture_default_str();
  add_threads_option(cmd, o->threads);
  add_dtype_option(cmd, o->dtype);
  add_detect_options(cmd, o->detect, false);
  cmd->callback([o] {
    use_threads(o->threads);
    exit_with(serve::run_serve(*o));
  });
}

}  // namespace facenet::cli
