#pragma once
// insightface verification sets (lfw.bin, cfp_fp.bin, agedb_30.bin, ...): a Python pickle of
// `(bins, issame_list)` — bins = 2N encoded images (pair i = images 2i and 2i+1), issame_list =
// N bools — as written by Python 2's pickle.dump(..., protocol=2), or re-dumped by Python 3.
//
// A strict reader of exactly the opcodes those files use: PROTO, FRAME, EMPTY_LIST, MARK,
// APPEND(S), SHORT_BINSTRING / BINSTRING / SHORT_BINBYTES / BINBYTES / BINBYTES8, BINUNICODE /
// SHORT_BINUNICODE (read as bytes), NEWTRUE / NEWFALSE, TUPLE / TUPLE1..3 / EMPTY_TUPLE, BINPUT /
// LONG_BINPUT / MEMOIZE, BINGET / LONG_BINGET, STOP. Anything else, a length past the end of
// the data, a malformed structure or a count mismatch throws facenet::Error naming the file,
// the byte offset and the opcode.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace facenet::data {

struct VerificationBin {
  std::vector<std::string> images;  ///< encoded image bytes, 2 per pair
  std::vector<bool> issame;         ///< one per pair
  int64_t pairs() const { return static_cast<int64_t>(issame.size()); }
};

/// Parses the pickle bytes; `name` is used in error messages.
VerificationBin parse_verification_bin(std::string_view bytes, const std::string& name);

/// Reads and parses a .bin file. Throws facenet::Error naming the file.
VerificationBin read_verification_bin(const std::string& path);

}  // namespace facenet::data
