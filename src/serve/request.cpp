#include "facenet/serve/request.h"

#include <fmt/format.h>

#include <cmath>

#include "facenet/data/image_header.h"

namespace facenet::serve {

std::string error_body(const std::string& code, const std::string& message) {
  // Messages quote the request (a path, a file name): bytes that are not UTF-8 are replaced,
  // not thrown on (found by serve_request_fuzz).
  return nlohmann::json{{"error", {{"code", code}, {"message", message}}}}.dump(-1, ' ', false,
                                                                                 nlohmann::json::error_handler_t::replace);
}

namespace {

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> parts;
  size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '/') {
      ++i;
      continue;
    }
    const auto j = path.find('/', i);
    parts.push_back(path.substr(i, j == std::string::npos ? std::string::npos : j - i));
    if (j == std::string::npos) break;
    i = j;
  }
  return parts;
}

std::optional<int64_t> parse_id(const std::string& s) {
  if (s.empty() || s.size() > 15) return std::nullopt;
  int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  if (v <= 0) return std::nullopt;
  return v;
}

struct Pattern {
  RouteId id;
  const char* pattern;
  const char* methods;  ///< space-separated
};

constexpr Pattern kPatterns[] = {
    {RouteId::Health, "/v1/health", "GET"},
    {RouteId::System, "/v1/system", "GET"},
    {RouteId::Models, "/v1/models", "GET"},
    {RouteId::Detect, "/v1/detect", "POST"},
    {RouteId::Compare, "/v1/compare", "POST"},
    {RouteId::Embeddings, "/v1/embeddings", "POST"},
    {RouteId::Collections, "/v1/collections", "GET POST"},
    {RouteId::Collection, "/v1/collections/{c}", "GET PATCH DELETE"},
    {RouteId::CollectionExport, "/v1/collections/{c}/export", "GET"},
    {RouteId::CollectionImport, "/v1/collections/{c}/import", "POST"},
    {RouteId::Search, "/v1/collections/{c}/search", "POST"},
    {RouteId::Persons, "/v1/collections/{c}/persons", "GET POST"},
    {RouteId::Person, "/v1/collections/{c}/persons/{p}", "GET PATCH DELETE"},
    {RouteId::Faces, "/v1/collections/{c}/persons/{p}/faces", "GET POST"},
    {RouteId::Face, "/v1/collections/{c}/persons/{p}/faces/{f}", "GET DELETE"},
    {RouteId::Metrics, "/metrics", "GET"},
};

bool has_method(const char* methods, const std::string& method) {
  const std::string list = std::string(" ") + methods + " ";
  return !method.empty() && list.find(" " + method + " ") != std::string::npos;
}

}  // namespace

RouteMatch match_route(const std::string& method, const std::string& path) {
  const auto parts = split_path(path);
  // The page: "/" and its files ("/app.js"): one segment of letters, digits, '-', '_' and '.'.
  if (parts.empty() || (parts.size() == 1 && parts[0] != "metrics" && parts[0] != "v1" &&
                        parts[0].find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-_.") == std::string::npos &&
                        parts[0][0] != '.')) {
    if (method != "GET" && method != "HEAD")
      throw HttpError(405, "method_not_allowed", fmt::format("{} is not allowed on {}", method, path));
    return {RouteId::Page, "/", {}, parts.empty() ? "" : parts[0]};
  }
  for (const auto& p : kPatterns) {
    const auto want = split_path(p.pattern);
    if (want.size() != parts.size()) continue;
    RouteMatch m{p.id, p.pattern, {}, ""};
    bool ok = true;
    for (size_t i = 0; i < want.size() && ok; ++i) {
      if (want[i].front() == '{') {
        const auto id = parse_id(parts[i]);
        if (!id) throw HttpError(404, "not_found", fmt::format("'{}' in {} is not an id (a positive integer)",
                                                               parts[i].substr(0, 40), p.pattern));
        m.ids.push_back(*id);
      } else {
        ok = want[i] == parts[i];
      }
    }
    if (!ok) continue;
    if (!has_method(p.methods, method))
      throw HttpError(405, "method_not_allowed",
                      fmt::format("{} is not allowed on {} (allowed: {})", method.substr(0, 16), p.pattern, p.methods));
    return m;
  }
  throw HttpError(404, "not_found", fmt::format("no route {}", path.substr(0, 200)));
}

nlohmann::json parse_json_object(const std::string& body) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(body);
  } catch (const nlohmann::json::parse_error& e) {
    throw HttpError(400, "bad_json", fmt::format("the body is not JSON (at byte {})", e.byte));
  } catch (const nlohmann::json::exception& e) {
    // A number too large for a double (out_of_range 406; found by serve_request_fuzz).
    throw HttpError(400, "bad_json", "the body is not JSON the server can read: a number out of range");
  }
  if (!j.is_object()) throw HttpError(400, "bad_json", "the body must be a JSON object");
  return j;
}

std::string name_field(const nlohmann::json& body, const std::string& key) {
  const auto it = body.find(key);
  if (it == body.end() || !it->is_string())
    throw HttpError(400, "bad_field", fmt::format("'{}' must be given as a string", key));
  const auto s = it->get<std::string>();
  if (s.empty() || s.size() > 200)
    throw HttpError(400, "bad_field", fmt::format("'{}' must be 1 to 200 bytes long", key));
  for (unsigned char c : s)
    if (c < 0x20 || c == 0x7f) throw HttpError(400, "bad_field", fmt::format("'{}' holds a control character", key));
  return s;
}

std::optional<double> number_field(const nlohmann::json& body, const std::string& key, double lo, double hi) {
  const auto it = body.find(key);
  if (it == body.end() || it->is_null()) return std::nullopt;
  if (!it->is_number()) throw HttpError(400, "bad_field", fmt::format("'{}' must be a number", key));
  const double v = it->get<double>();
  if (!std::isfinite(v) || v < lo || v > hi)
    throw HttpError(400, "bad_field", fmt::format("'{}' must be within [{}, {}]", key, lo, hi));
  return v;
}

int64_t int_parameter(const std::string& name, const std::string& value, int64_t lo, int64_t hi, int64_t fallback) {
  if (value.empty()) return fallback;
  int64_t v = 0;
  bool ok = value.size() <= 12;
  for (size_t i = 0; ok && i < value.size(); ++i) {
    ok = value[i] >= '0' && value[i] <= '9';
    v = v * 10 + (value[i] - '0');
  }
  if (!ok || v < lo || v > hi)
    throw HttpError(400, "bad_parameter", fmt::format("?{}= must be an integer in [{}, {}]", name, lo, hi));
  return v;
}

std::vector<ImageUpload> request_images(const std::string& content_type, const std::string& body,
                                        const std::vector<FormPart>& parts, int64_t max_images) {
  std::vector<ImageUpload> out;
  if (content_type.rfind("multipart/form-data", 0) == 0) {
    for (const auto& p : parts) {
      const bool image_field = !p.filename.empty() || p.name.rfind("image", 0) == 0 || p.name == "a" || p.name == "b";
      if (!image_field) continue;
      out.push_back({p.filename.empty() ? p.name : p.filename, p.content});
    }
  } else if (!body.empty()) {
    out.push_back({"body", body});
  }
  if (out.empty())
    throw HttpError(400, "no_image",
                    "no image: send it as the body (Content-Type image/jpeg, image/png or image/webp) or as a "
                    "multipart file part");
  if (static_cast<int64_t>(out.size()) > max_images)
    throw HttpError(413, "too_many_images",
                    fmt::format("{} images in one request; at most {} (--max-images)", out.size(), max_images));
  return out;
}

std::string image_header_problem(const std::string& bytes, int64_t max_pixels, std::string* code) {
  const auto h = data::read_image_header(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
  auto fail = [&](const char* c, std::string what) {
    if (code) *code = c;
    return what;
  };
  if (h.format != data::ImageFormat::Jpeg && h.format != data::ImageFormat::Png && h.format != data::ImageFormat::WebP)
    return fail("unsupported_image",
                h.format == data::ImageFormat::Unknown
                    ? std::string("not an image (JPEG, PNG or WebP expected)")
                    : fmt::format("{} images are not accepted (JPEG, PNG or WebP)", data::to_string(h.format)));
  if (!h.width || !h.height) return fail("bad_image", "the image header is truncated or damaged");
  const auto pixels = static_cast<double>(*h.width) * static_cast<double>(*h.height);
  if (pixels > static_cast<double>(max_pixels))
    return fail("too_many_pixels", fmt::format("the image claims {}x{} pixels; at most {} pixels (--max-pixels)",
                                               *h.width, *h.height, max_pixels));
  if (*h.width == 0 || *h.height == 0) return fail("bad_image", "the image claims no pixels");
  return "";
}

int image_problem_status(const std::string& code) {
  if (code == "unsupported_image") return 415;
  if (code == "too_many_pixels") return 413;
  return 400;
}

bool key_matches(const std::string& authorization, const std::string& x_api_key, const std::string& key) {
  std::string given = x_api_key;
  if (given.empty() && authorization.rfind("Bearer ", 0) == 0) given = authorization.substr(7);
  unsigned diff = given.size() != key.size();
  for (size_t i = 0; i < key.size(); ++i) diff |= static_cast<unsigned char>(key[i]) ^
                                                  static_cast<unsigned char>(i < given.size() ? given[i] : 0);
  return diff == 0;
}

}  // namespace facenet::serve
