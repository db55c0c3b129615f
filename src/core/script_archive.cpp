#include "facenet/core/script_archive.h"

#include <caffe2/serialize/inline_container.h>
#include <fmt/format.h>

#include <cctype>
#include <optional>
#include <set>
#include <sstream>

#include "facenet/core/error.h"

namespace facenet {
namespace {

bool is_code_record(const std::string& name) {
  return name.rfind("code/", 0) == 0 && name.size() > 3 && name.compare(name.size() - 3, 3, ".py") == 0;
}

size_t indentation(const std::string& line) { return line.find_first_not_of(" \t"); }

std::string trim(const std::string& s) {
  const auto a = s.find_first_not_of(" \t"), b = s.find_last_not_of(" \t");
  return a == std::string::npos ? "" : s.substr(a, b - a + 1);
}

/// For `class Name(Base):` the base ("" without one); nullopt for any other line.
std::optional<std::string> class_base(const std::string& line) {
  if (line.rfind("class", 0) != 0 || line.size() < 6 || (line[5] != ' ' && line[5] != '\t')) return std::nullopt;
  const auto open = line.find('('), close = line.find(')');
  if (open == std::string::npos || close == std::string::npos || close < open) return std::string();
  return trim(line.substr(open + 1, close - open - 1));
}

/// The target of `name = value` (no annotation, not `==`); "" for any other statement.
/// Written out rather than as a std::regex: __parameters__ lines run to tens of kilobytes.
std::string bare_assignment_target(const std::string& statement) {
  size_t i = 0;
  if (statement.empty() || !(std::isalpha(static_cast<unsigned char>(statement[0])) || statement[0] == '_')) return "";
  while (i < statement.size() && (std::isalnum(static_cast<unsigned char>(statement[i])) || statement[i] == '_')) ++i;
  size_t j = statement.find_first_not_of(" \t", i);
  if (j == std::string::npos || statement[j] != '=' || (j + 1 < statement.size() && statement[j + 1] == '=')) return "";
  return statement.substr(0, i);
}

/// Checks one code record; `what` names it in errors.
void check_record(const std::string& text, const std::string& what) {
  // The importer's own lists, which it reads as list literals.
  static const std::set<std::string> importer_lists{"__parameters__", "__buffers__", "__forward_hooks__",
                                                    "__forward_pre_hooks__"};
  std::istringstream in(text);
  std::string line;
  int number = 0;
  bool in_class = false;     // inside a class body the importer reads as attributes/constants
  std::string body_indent;   // that body's indentation, from its first statement
  while (std::getline(in, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const auto at = indentation(line);
    if (at == std::string::npos || line[at] == '#') continue;  // blank or comment
    if (at == 0) {
      const auto base = class_base(line);
      in_class = base && *base != "Enum" && *base != "NamedTuple";
      body_indent.clear();
      continue;
    }
    if (!in_class) continue;
    if (body_indent.empty()) body_indent = line.substr(0, at);
    if (at != body_indent.size() || line.compare(0, at, body_indent) != 0) continue;  // inside a method
    const std::string statement = line.substr(at);
    const std::string target = bare_assignment_target(statement);
    if (target.empty() || target == "__annotations__") continue;
    if (importer_lists.count(target) && trim(statement.substr(statement.find('=') + 1)).rfind('[', 0) == 0) continue;
    throw Error("record '" + what + "' line " + std::to_string(number) +
                " assigns a class attribute without a type: '" + statement.substr(0, 60) + "'");
  }
}

uint64_t le_u32(const unsigned char* p) {
  return uint64_t(p[0]) | uint64_t(p[1]) << 8 | uint64_t(p[2]) << 16 | uint64_t(p[3]) << 24;
}

/// Argument size of a pickle opcode: fixed bytes, a little-endian length prefix of `prefix`
/// bytes, or newline-terminated `lines`. Opcodes of protocols 0-5.
struct OpArgs {
  int fixed = 0, prefix = 0, lines = 0;
  bool known = true;
};

OpArgs op_args(unsigned char op) {
  switch (op) {
    case 0x80: case 'K': case 'q': case 'h': case 0x82: return {1};         // PROTO BININT1 BINPUT BINGET EXT1
    case 'M': case 0x83: return {2};                                        // BININT2 EXT2
    case 'J': case 'r': case 'j': case 0x84: return {4};                    // BININT LONG_BINPUT LONG_BINGET EXT4
    case 'G': case 0x95: return {8};                                        // BINFLOAT FRAME
    case 0x8a: case 'U': case 'C': case 0x8c: return {0, 1};                // LONG1 SHORT_BINSTRING SHORT_BINBYTES SHORT_BINUNICODE
    case 0x8b: case 'T': case 'B': case 'X': return {0, 4};                 // LONG4 BINSTRING BINBYTES BINUNICODE
    case 0x8d: case 0x8e: case 0x96: return {0, 8};                         // BINUNICODE8 BINBYTES8 BYTEARRAY8
    case 'I': case 'L': case 'F': case 'S': case 'V': case 'P': case 'p': case 'g': return {0, 0, 1};
    case 'c': case 'i': return {0, 0, 2};                                   // GLOBAL INST
    case '(': case '.': case '0': case '1': case '2': case ')': case ']': case '}': case 'a': case 'b':
    case 'e': case 'l': case 'd': case 't': case 'u': case 's': case 'R': case 'N': case 'o': case 'Q':
    case 0x81: case 0x85: case 0x86: case 0x87: case 0x88: case 0x89: case 0x8f: case 0x90: case 0x91:
    case 0x92: case 0x93: case 0x94: case 0x97: case 0x98:
      return {};
    default: {
      OpArgs unknown;
      unknown.known = false;
      return unknown;
    }
  }
}

}  // namespace

namespace {

/// Walks the opcodes of the pickle starting at `start` with the checks of check_pickle_lengths:
/// the offset just past its STOP, or npos where it ends or meets an opcode it does not know.
uint64_t walk_pickle(const std::string& pickle, uint64_t start, const std::string& record) {
  const auto* d = reinterpret_cast<const unsigned char*>(pickle.data());
  const uint64_t n = pickle.size();
  uint64_t i = start;
  uint64_t memo = 0;  // entries stored so far: picklers number them 0, 1, 2, ...
  auto past_end = [&](uint64_t at, uint64_t need) {
    throw Error("record '" + record + "' byte " + std::to_string(at) + ": pickle opcode 0x" +
                fmt::format("{:02x}", d[at]) + " needs " + std::to_string(need) + " bytes where " +
                std::to_string(n - at - 1) + " remain");
  };
  while (i < n) {
    const unsigned char op = d[i];
    if (op == '.') return i + 1;  // STOP
    const auto args = op_args(op);
    if (!args.known) return std::string::npos;
    uint64_t size = static_cast<uint64_t>(args.fixed);
    if (args.prefix > 0) {
      if (n - i - 1 < static_cast<uint64_t>(args.prefix)) past_end(i, static_cast<uint64_t>(args.prefix));
      uint64_t length = 0;
      for (int b = args.prefix - 1; b >= 0; --b) length = length << 8 | d[i + 1 + static_cast<uint64_t>(b)];
      if (op == 'T' && length > 0x7fffffffu) past_end(i, length);  // BINSTRING's length is signed
      size = static_cast<uint64_t>(args.prefix) + length;
      if (length > n - i - 1 - static_cast<uint64_t>(args.prefix)) past_end(i, size);
    } else if (args.lines > 0) {
      uint64_t at = i + 1;
      for (int l = 0; l < args.lines; ++l) {
        const auto newline = pickle.find('\n', at);
        if (newline == std::string::npos) past_end(i, n - i);
        at = newline + 1;
      }
      size = at - i - 1;
    }
    if (size > n - i - 1) past_end(i, size);
    // Memo indices: the unpickler sizes its memo table by the index it is given (a damaged
    // LONG_BINPUT asked for 25 GB, fuzz finding 12); a pickler only ever stores the next one.
    if (op == 'q' || op == 'r' || op == 'h' || op == 'j') {
      uint64_t index = d[i + 1];
      if (op == 'r' || op == 'j') index = le_u32(d + i + 1);
      const bool put = op == 'q' || op == 'r';
      if (put ? index > memo : index >= memo)
        throw Error("record '" + record + "' byte " + std::to_string(i) + ": pickle memo index " +
                    std::to_string(index) + " where " + std::to_string(memo) + " entries were stored");
      if (put && index == memo) ++memo;
    } else if (op == 0x94) {
      ++memo;  // MEMOIZE
    }
    i += 1 + size;
  }
  return std::string::npos;
}

}  // namespace

void check_pickle_lengths(const std::string& pickle, const std::string& record) { (void)walk_pickle(pickle, 0, record); }

uint64_t pickle_end(const std::string& bytes, uint64_t start, const std::string& record) {
  const auto end = walk_pickle(bytes, start, record);
  if (end == std::string::npos)
    throw Error("record '" + record + "' byte " + std::to_string(start) +
                ": the pickle there has no STOP, or an opcode that is not pickle's");
  return end;
}

namespace {

/// Runs the class-declaration check on every code/*.py record of the archive at `path` and,
/// with `pickles`, the length check on every pickle record (data.pkl, constants.pkl, the code's
/// .debug_pkl source ranges). Errors name the file after `damaged`, then the record and place.
void check_records(const std::string& path, bool pickles, const std::string& damaged) {
  try {
    caffe2::serialize::PyTorchStreamReader reader(path);
    for (const auto& name : reader.getAllRecords()) {
      const bool pickle = pickles && name.size() > 3 && name.compare(name.size() - 3, 3, "pkl") == 0;
      if (!pickle && !is_code_record(name)) continue;
      auto [data, size] = reader.getRecord(name);
      const std::string text(static_cast<const char*>(data.get()), size);
      if (pickle)
        check_pickle_lengths(text, name);
      else
        check_record(text, name);
    }
  } catch (const Error& e) {
    throw Error("'" + path + "' " + damaged + ": " + e.what());
  } catch (const std::exception& e) {
    throw Error("'" + path + "' is a corrupt torch archive: " + error_message(e).substr(0, 200));
  }
}

}  // namespace

void check_script_class_declarations(const std::string& path) {
  check_records(path, /*pickles=*/false, "is damaged TorchScript");
}

void check_torch_archive(const std::string& path) { check_records(path, /*pickles=*/true, "is damaged"); }

}  // namespace facenet
