#pragma once
// The /v1 API of `facenet serve` over its own request and reply types (no HTTP library here):
// routes (request.h) -> the store, the indexes and the model runner. Torch-free.
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "facenet/serve/face_index.h"
#include "facenet/serve/request.h"
#include "facenet/serve/serve_config.h"

namespace facenet::serve {

class Store;
class ModelRunner;
class Metrics;

struct ApiRequest {
  std::string method, path;
  std::multimap<std::string, std::string> query;
  std::string content_type, body;
  std::string authorization, x_api_key;
  std::vector<FormPart> parts;  ///< multipart/form-data, parsed by the HTTP layer
};

struct ApiReply {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

class Api {
 public:
  /// Builds the in-memory index of every collection the runner's model made (logged).
  Api(const ServeConfig& config, Store& store, ModelRunner& runner, Metrics& metrics);
  ~Api();

  /// Answers one request: never throws (an HttpError becomes its status and JSON error; any
  /// other exception a 500 internal, logged). `route` gets the metrics label.
  ApiReply handle(const ApiRequest& request, std::string* route = nullptr);

  /// The cosine-similarity threshold a new collection gets from the model's own threshold.
  double default_threshold() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace facenet::serve
