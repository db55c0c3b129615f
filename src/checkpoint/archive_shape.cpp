#include "archive_shape.h"

#include <caffe2/serialize/inline_container.h>

#include <regex>
#include <sstream>

#include "facenet/core/error.h"

namespace facenet::checkpoint_detail {
namespace {

// OutputArchive declares one class per module and nothing else. A type is a name, a dotted
// module path or a subscripted one (Tuple[float, float], Optional[bool], List[Tensor]).
bool is_type(const std::string& t) {
  static const std::regex type(R"([A-Za-z_][\w.]*(\[[\w., \[\]]*\])?)");
  return std::regex_match(t, type);
}

bool is_declaration(const std::string& line) {
  static const std::regex fixed(R"(class \w+\(Module\):|  __(parameters|buffers)__ = \[("[^"\\]*", )*\]|  __annotations__ = \[\]|)");
  static const std::regex annotation(R"(  __annotations__\["[^"\\]+"\] = (.+))");
  static const std::regex attribute(R"(  \w+ : (.+))");
  std::smatch m;
  if (std::regex_match(line, fixed)) return true;
  if (std::regex_match(line, m, annotation) || std::regex_match(line, m, attribute)) return is_type(m[1].str());
  return false;
}

}  // namespace

void check_output_archive_shape(const std::string& path) {
  try {
    caffe2::serialize::PyTorchStreamReader reader(path);
    for (const auto& name : reader.getAllRecords()) {
      const bool code = name.rfind("code/", 0) == 0 && name.compare(name.size() - 3, 3, ".py") == 0;
      const bool constants = name == "constants.pkl";
      if (!code && !constants) continue;
      auto [data, size] = reader.getRecord(name);
      const std::string text(static_cast<const char*>(data.get()), size);
      if (constants) {
        // An empty tuple at protocol 2: OutputArchive stores no constants.
        if (text != std::string("\x80\x02).", 4)) throw Error("record '" + name + "' is not an empty constants table");
        continue;
      }
      std::istringstream in(text);
      std::string line;
      int number = 0;
      while (std::getline(in, line)) {
        ++number;
        if (!is_declaration(line))
          throw Error("record '" + name + "' line " + std::to_string(number) + " is not a module declaration: '" +
                      line.substr(0, 60) + "'");
      }
    }
  } catch (const Error& e) {
    throw Error("'" + path + "' is not a readable facenet checkpoint (damaged: " + e.what() + ")");
  } catch (const std::exception& e) {
    throw Error("'" + path + "' is not a readable facenet checkpoint (corrupt archive: " +
                error_message(e).substr(0, 200) + ")");
  }
}

}  // namespace facenet::checkpoint_detail
