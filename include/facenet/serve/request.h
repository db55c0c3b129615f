#pragma once
// The parts of a request `facenet serve` reads itself, free of the HTTP library and of the
// network so that they can be tested and fuzzed alone (tests/fuzz/serve_request_fuzz.cpp):
// the route table, JSON bodies, query parameters, and the images a request carries (raw body or
// multipart parts: format and claimed pixel count checked before anything is decoded).
// Every failure is an HttpError: a status, a stable code and a one-line message.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "facenet/core/error.h"

namespace facenet::serve {

class HttpError : public Error {
 public:
  HttpError(int status, std::string code, const std::string& message)
      : Error(message), status_(status), code_(std::move(code)) {}
  int status() const { return status_; }
  const std::string& code() const { return code_; }

 private:
  int status_;
  std::string code_;
};

/// {"error":{"code":"...","message":"..."}}
std::string error_body(const std::string& code, const std::string& message);

/// The routes, each one pattern with its methods.
enum class RouteId {
  Health, System, Models, Detect, Compare, Embeddings,
  Collections, Collection, CollectionExport, CollectionImport, Search,
  Persons, Person, Faces, Face,
  Metrics, Page,
};

struct RouteMatch {
  RouteId id;
  std::string pattern;        ///< e.g. "/v1/collections/{c}/persons/{p}": the metrics label
  std::vector<int64_t> ids;   ///< the path's numeric ids, in order
  std::string file;           ///< Page: the web file asked for ("" = index.html)
};

/// The route `method` `path` (no query string) names. Throws 404 not_found for a path no route
/// has (or an id that is not a positive integer below 2^53), 405 method_not_allowed for a known
/// path with another method.
RouteMatch match_route(const std::string& method, const std::string& path);

/// A JSON object body. Throws 400 bad_json (not JSON, or not an object), naming the position.
nlohmann::json parse_json_object(const std::string& body);
/// A required non-empty string field of at most 200 bytes without control characters (a name).
std::string name_field(const nlohmann::json& body, const std::string& key);
/// An optional number field within [lo, hi]; 400 bad_field otherwise.
std::optional<double> number_field(const nlohmann::json& body, const std::string& key, double lo, double hi);

/// An integer query parameter within [lo, hi] (absent or "" = `fallback`); 400 bad_parameter.
int64_t int_parameter(const std::string& name, const std::string& value, int64_t lo, int64_t hi, int64_t fallback);

/// One part of a multipart/form-data body as the HTTP layer parsed it.
struct FormPart {
  std::string name, filename, content_type, content;
};

/// One uploaded image, not yet decoded.
struct ImageUpload {
  std::string name;    ///< its form field / file name ("body" for a raw body)
  std::string bytes;
};

/// The images of a request: each multipart part holding a file (or named image*, a, b), or the
/// raw body. Throws 400 no_image when there is none, 413 too_many_images past `max_images`.
std::vector<ImageUpload> request_images(const std::string& content_type, const std::string& body,
                                        const std::vector<FormPart>& parts, int64_t max_images);

/// Why `bytes` cannot be an image the server decodes, or "" when its header is fine: not JPEG,
/// PNG or WebP (unsupported_image), a header claiming more than `max_pixels` (too_many_pixels).
/// `code` gets the error code.
std::string image_header_problem(const std::string& bytes, int64_t max_pixels, std::string* code);

/// The status of an image_header_problem code: 415 unsupported_image, 413 too_many_pixels,
/// 400 otherwise.
int image_problem_status(const std::string& code);

/// A constant-time comparison of the request's key ("Authorization: Bearer K" or "X-API-Key: K")
/// with the server's.
bool key_matches(const std::string& authorization, const std::string& x_api_key, const std::string& key);

}  // namespace facenet::serve
