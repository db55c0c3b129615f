#include "facenet/eval/pairs.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <sstream>
#include <unordered_set>

#include "facenet/core/error.h"
#include "facenet/core/fs.h"

namespace facenet::eval {
namespace {

struct Line {
  int64_t number;  // 1-based
  std::vector<std::string> fields;
};

// Non-blank lines split on spaces/tabs (a trailing '\r' from CRLF files is whitespace too).
std::vector<Line> split_lines(const std::string& text) {
  std::vector<Line> lines;
  std::istringstream in(text);
  int64_t number = 0;
  for (std::string raw; std::getline(in, raw);) {
    ++number;
    Line line{number, {}};
    std::string field;
    for (char c : raw) {
      if (c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f') {
        if (!field.empty()) line.fields.push_back(std::move(field)), field.clear();
      } else {
        field += c;
      }
    }
    if (!field.empty()) line.fields.push_back(std::move(field));
    if (!line.fields.empty()) lines.push_back(std::move(line));
  }
  return lines;
}

bool parse_count(const std::string& s, int64_t& out) {
  if (s.empty() || s.size() > 12) return false;
  int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  out = v;
  return true;
}

std::string quote_line(const Line& line) {
  std::string s;
  for (const auto& f : line.fields) s += (s.empty() ? "" : " ") + f;
  return "'" + s + "'";
}

[[noreturn]] void fail(const std::string& source, int64_t line, const std::string& what) {
  throw Error(source + ":" + std::to_string(line) + ": " + what);
}

PairList parse_lfw(const std::vector<Line>& lines, const std::string& source, const std::string& ext) {
  if (lines.empty()) throw Error(source + ": empty pairs file (expected a header such as '10 300')");
  const Line& header = lines.front();
  PairList out;
  out.format = PairsFormat::LFW;
  int64_t a = 0, b = 0;
  if (header.fields.size() == 1 && parse_count(header.fields[0], a) && a > 0) {
    out.file_folds = 1, out.pairs_per_fold = a;  // View 1 (pairsDevTrain/DevTest): N + N lines
  } else if (header.fields.size() == 2 && parse_count(header.fields[0], a) &&
             parse_count(header.fields[1], b) && a > 0 && b > 0) {
    out.file_folds = a, out.pairs_per_fold = b;
  } else {
    fail(source, header.number,
         "malformed LFW header " + quote_line(header) + " (expected 'folds pairs_per_fold' or 'N')");
  }
  // The header's counts come from the file: their product must not overflow.
  int64_t expected = 0;
  if (out.pairs_per_fold > INT64_MAX / 2 ||
      __builtin_mul_overflow(out.file_folds, 2 * out.pairs_per_fold, &expected))
    fail(source, header.number, "LFW header " + quote_line(header) + " claims more pairs than any file holds");
  const int64_t found = static_cast<int64_t>(lines.size()) - 1;
  for (int64_t i = 0; i < std::min(expected, found); ++i) {
    const Line& line = lines[static_cast<std::size_t>(i + 1)];
    const int64_t in_block = i % (2 * out.pairs_per_fold);
    const bool matched = in_block < out.pairs_per_fold;
    const std::string position = "block " + std::to_string(i / (2 * out.pairs_per_fold) + 1) + ", " +
                                 (matched ? "matched" : "mismatched") + " line " +
                                 std::to_string(in_block % out.pairs_per_fold + 1);
    int64_t n1 = 0, n2 = 0;
    if (matched) {
      if (line.fields.size() != 3 || !parse_count(line.fields[1], n1) || !parse_count(line.fields[2], n2))
        fail(source, line.number,
             "malformed matched pair " + quote_line(line) + " (expected 'name i j'; " + position + ")");
      out.pairs.push_back({lfw_image_path(line.fields[0], n1, ext), lfw_image_path(line.fields[0], n2, ext),
                           true, line.number});
    } else {
      if (line.fields.size() != 4 || !parse_count(line.fields[1], n1) || !parse_count(line.fields[3], n2))
        fail(source, line.number,
             "malformed mismatched pair " + quote_line(line) + " (expected 'name1 i name2 j'; " + position +
                 ")");
      out.pairs.push_back({lfw_image_path(line.fields[0], n1, ext), lfw_image_path(line.fields[2], n2, ext),
                           false, line.number});
    }
  }
  if (found < expected)
    fail(source, lines.back().number,
         "file ends after " + std::to_string(found) + " pair lines; the header " + quote_line(header) +
             " promises " + std::to_string(expected));
  if (found > expected)
    fail(source, lines[static_cast<std::size_t>(expected + 1)].number,
         "unexpected line " + quote_line(lines[static_cast<std::size_t>(expected + 1)]) + " after the " +
             std::to_string(expected) + " pair lines the header " + quote_line(header) + " promises");
  return out;
}

PairList parse_list(const std::vector<Line>& lines, const std::string& source) {
  PairList out;
  out.format = PairsFormat::List;
  for (const auto& line : lines) {
    if (line.fields.size() != 3 || (line.fields[2] != "0" && line.fields[2] != "1"))
      fail(source, line.number, "malformed pair " + quote_line(line) + " (expected 'path1 path2 0|1')");
    out.pairs.push_back({line.fields[0], line.fields[1], line.fields[2] == "1", line.number});
  }
  if (out.pairs.empty()) throw Error(source + ": no pairs");
  out.pairs_per_fold = static_cast<int64_t>(out.pairs.size());
  return out;
}

}  // namespace

std::string lfw_image_path(const std::string& name, int64_t number, const std::string& ext) {
  char digits[32];
  std::snprintf(digits, sizeof(digits), "%04lld", static_cast<long long>(number));
  return name + "/" + name + "_" + digits + "." + ext;
}

PairList parse_pairs_text(const std::string& text, const std::string& source, PairsFormat format,
                          const std::string& ext) {
  const auto lines = split_lines(text);
  if (format == PairsFormat::Auto) {
    // The LFW header is the only line of either format made of one or two integers.
    int64_t v = 0;
    const bool header = !lines.empty() && lines.front().fields.size() <= 2 &&
                        parse_count(lines.front().fields.front(), v) &&
                        (lines.front().fields.size() == 1 || parse_count(lines.front().fields.back(), v));
    format = header || lines.empty() ? PairsFormat::LFW : PairsFormat::List;
  }
  return format == PairsFormat::LFW ? parse_lfw(lines, source, ext) : parse_list(lines, source);
}

PairList read_pairs(const std::string& path, PairsFormat format, const std::string& ext) {
  return parse_pairs_text(read_file(path), path, format, ext);
}

std::vector<Pair> interleave_same_diff(const std::vector<Pair>& pairs) {
  std::vector<const Pair*> same, diff;
  for (const auto& p : pairs) (p.same ? same : diff).push_back(&p);
  std::vector<Pair> out;
  out.reserve(pairs.size());
  for (std::size_t i = 0; i < std::max(same.size(), diff.size()); ++i) {
    if (i < same.size()) out.push_back(*same[i]);
    if (i < diff.size()) out.push_back(*diff[i]);
  }
  return out;
}

std::vector<std::string> unique_images(const std::vector<Pair>& pairs) {
  std::vector<std::string> out;
  std::unordered_set<std::string> seen;
  for (const auto& p : pairs)
    for (const auto* image : {&p.image1, &p.image2})
      if (seen.insert(*image).second) out.push_back(*image);
  return out;
}

std::string resolve_image(const std::string& data_dir, const std::string& image) {
  if (data_dir.empty() || std::filesystem::path(image).is_absolute()) return image;
  return (std::filesystem::path(data_dir) / image).string();
}

MissingCheck drop_missing(const std::vector<Pair>& pairs,
                          const std::function<bool(const std::string&)>& available, bool skip_missing,
                          const std::string& where) {
  MissingCheck out;
  std::unordered_set<std::string> missing;
  for (const auto& image : unique_images(pairs))
    if (!available(image)) missing.insert(image), out.missing_images.push_back(image);
  if (out.missing_images.empty()) {
    out.kept = pairs;
    return out;
  }
  if (!skip_missing) {
    std::string msg = std::to_string(out.missing_images.size()) + " image(s) " + where + " are missing:";
    const std::size_t shown = std::min<std::size_t>(10, out.missing_images.size());
    for (std::size_t i = 0; i < shown; ++i) msg += " " + out.missing_images[i];
    if (shown < out.missing_images.size()) msg += " ...";
    msg += " (set eval.skip_missing=true to drop their pairs)";
    throw Error(msg);
  }
  for (const auto& p : pairs) {
    if (missing.count(p.image1) || missing.count(p.image2))
      ++out.dropped_pairs;
    else
      out.kept.push_back(p);
  }
  spdlog::warn("[eval] {} image(s) {} are missing; dropped {} of {} pairs", out.missing_images.size(), where,
               out.dropped_pairs, pairs.size());
  return out;
}

}  // namespace facenet::eval

namespace facenet::eval {

PreparedPairs prepare_pairs(const EvalConfig& config, const std::function<bool(const std::string&)>& available,
                            const std::string& where) {
  if (config.pairs.empty()) throw ConfigError("eval.pairs is not set (the pairs file, e.g. pairs.txt)");
  auto list = read_pairs(config.pairs, config.pairs_format, config.ext);
  spdlog::info("[eval] {}: {} pairs ({} format{})", config.pairs, list.pairs.size(), to_string(list.format),
               list.format == PairsFormat::LFW
                   ? fmt::format(", {} block(s) of {} matched + {} mismatched", list.file_folds, list.pairs_per_fold,
                                 list.pairs_per_fold)
                   : "");
  if (config.interleave_folds) list.pairs = interleave_same_diff(list.pairs);
  auto checked = drop_missing(list.pairs, available, config.skip_missing, where);
  return {std::move(checked.kept), static_cast<int64_t>(checked.missing_images.size()), checked.dropped_pairs};
}

}  // namespace facenet::eval
