#include "facenet/serve/web_page.h"

#include <map>

#include "serve_web_files.h"

namespace facenet::serve {

namespace {
std::string content_type_of(const std::string& name) {
  auto ends = [&](const char* ext) {
    const std::string e(ext);
    return name.size() >= e.size() && name.compare(name.size() - e.size(), e.size(), e) == 0;
  };
  if (ends(".html")) return "text/html; charset=utf-8";
  if (ends(".js")) return "text/javascript; charset=utf-8";
  if (ends(".css")) return "text/css; charset=utf-8";
  if (ends(".svg")) return "image/svg+xml";
  if (ends(".png")) return "image/png";
  return "application/octet-stream";
}
}  // namespace

const WebFile* web_file(const std::string& name) {
  static const std::map<std::string, WebFile> files = [] {
    std::map<std::string, WebFile> m;
    for (const auto& f : web::kFiles) m[f.name] = {f.name, content_type_of(f.name), std::string(f.data, f.size)};
    return m;
  }();
  const auto it = files.find(name);
  return it == files.end() ? nullptr : &it->second;
}

}  // namespace facenet::serve
