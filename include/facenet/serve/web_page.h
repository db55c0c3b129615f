#pragma once
// The web page `facenet serve` answers at "/": the files of web/, built into the binary
// (cmake/EmbedWeb.cmake writes them into a generated header at build time).
#include <string>

namespace facenet::serve {

struct WebFile {
  std::string name, content_type, content;
};

/// The built-in file named `name` ("index.html", "app.js", ...), or nullptr.
const WebFile* web_file(const std::string& name);

}  // namespace facenet::serve
