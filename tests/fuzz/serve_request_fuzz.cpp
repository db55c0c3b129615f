// facenet serve's own request parsing (serve/request.h): the route table, JSON bodies and their
// fields, query parameters, the images of a raw or multipart body and their header checks, the
// API-key comparison. Input: byte 0 picks the method, then path \n query \n content-type \n body;
// multipart parts are cut from the body at "\x00".
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "facenet/serve/request.h"
#include "fuzz_support.h"

namespace {
std::string next_line(std::string& rest) {
  const auto at = rest.find('\n');
  std::string line = rest.substr(0, at);
  rest = at == std::string::npos ? "" : rest.substr(at + 1);
  return line;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static bool init = (facenet::fuzz::quiet_logs(), true);
  (void)init;
  if (size == 0) return 0;
  using namespace facenet::serve;
  const char* methods[] = {"GET", "POST", "PATCH", "DELETE", "PUT", "HEAD", "OPTIONS", "BREW"};
  const std::string method = methods[data[0] % 8];
  std::string rest(reinterpret_cast<const char*>(data + 1), size - 1);
  const auto path = next_line(rest);
  const auto query = next_line(rest);
  const auto content_type = next_line(rest);
  const auto& body = rest;
  try {
    const auto m = match_route(method, path);
    if (m.id != RouteId::Page && m.pattern.empty()) __builtin_trap();
    for (auto id : m.ids)
      if (id <= 0) __builtin_trap();
  } catch (const HttpError& e) {
    if (e.status() != 404 && e.status() != 405) __builtin_trap();
  }
  try {
    (void)int_parameter("top_k", query, 1, 100, 5);
  } catch (const HttpError& e) {
    if (e.status() != 400) __builtin_trap();
  }
  try {
    const auto j = parse_json_object(body);
    try {
      (void)name_field(j, "name");
    } catch (const HttpError&) {
    }
    (void)number_field(j, "threshold", -1, 1);
  } catch (const HttpError& e) {
    if (e.status() != 400) __builtin_trap();
  }
  std::vector<FormPart> parts;
  for (size_t start = 0; start < body.size() && parts.size() < 8;) {
    const auto end = body.find('\0', start);
    const auto piece = body.substr(start, end == std::string::npos ? std::string::npos : end - start);
    parts.push_back({parts.size() % 2 ? "image" : "a", parts.size() % 3 ? "f.png" : "", "image/png", piece});
    if (end == std::string::npos) break;
    start = end + 1;
  }
  try {
    for (const auto& image : request_images(content_type, body, parts, 4)) {
      std::string code;
      const auto problem = image_header_problem(image.bytes, 1'000'000, &code);
      if (problem.empty() != code.empty()) __builtin_trap();
      if (!problem.empty()) (void)image_problem_status(code);
    }
  } catch (const HttpError& e) {
    if (e.status() != 400 && e.status() != 413) __builtin_trap();
  }
  (void)key_matches(query, content_type, path);
  (void)error_body(path, body);
  return 0;
}
