#pragma once
// Verification pairs: the official LFW pairs.txt format and a plain `path1 path2 0|1` list.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "facenet/core/config.h"

namespace facenet::eval {

/// One verification pair. Image paths are as the pairs file names them (relative to the
/// data folder unless absolute); `line` is the 1-based line in the pairs file.
struct Pair {
  std::string image1;
  std::string image2;
  bool same = false;
  int64_t line = 0;
};

/// A parsed pairs file, pairs in file order.
struct PairList {
  std::vector<Pair> pairs;
  PairsFormat format = PairsFormat::LFW;  ///< the detected format (never Auto)
  int64_t file_folds = 1;                 ///< LFW header: number of blocks
  int64_t pairs_per_fold = 0;             ///< LFW header: matched (= mismatched) lines per block
};

/// `<name>/<name>_<%04d>.<ext>`, e.g. lfw_image_path("Abel_Pacheco", 1, "jpg") ==
/// "Abel_Pacheco/Abel_Pacheco_0001.jpg".
std::string lfw_image_path(const std::string& name, int64_t number, const std::string& ext);

/// Parses pairs text. LFW: header `F P` (F blocks of P matched `name i j` lines followed by
/// P mismatched `name1 i name2 j` lines) or a single `N` (one block of N + N lines).
/// List: `path1 path2 0|1` lines. Auto picks LFW when the first non-blank line is one or
/// two integers. Tabs or spaces separate fields; blank lines are ignored.
/// Throws Error "<source>:<line>: ..." for a malformed line or a wrong line count.
PairList parse_pairs_text(const std::string& text, const std::string& source, PairsFormat format,
                          const std::string& ext = "jpg");

/// Reads and parses a pairs file (see parse_pairs_text).
PairList read_pairs(const std::string& path, PairsFormat format, const std::string& ext = "jpg");

/// Reorders to matched0, mismatched0, matched1, mismatched1, ...; when one kind runs out
/// the rest of the other follows in order. For View-1 files (all matched, then all mismatched).
std::vector<Pair> interleave_same_diff(const std::vector<Pair>& pairs);

/// Every image the pairs name, once, in order of first appearance.
std::vector<std::string> unique_images(const std::vector<Pair>& pairs);

/// `image` joined onto `data_dir` (absolute image paths and an empty data_dir are kept as is).
std::string resolve_image(const std::string& data_dir, const std::string& image);

/// Result of drop_missing.
struct MissingCheck {
  std::vector<Pair> kept;                  ///< pairs whose two images are available
  std::vector<std::string> missing_images; ///< unavailable images, first-appearance order
  int64_t dropped_pairs = 0;
};

/// Checks every image with `available`. Missing images are an Error listing the first ten and
/// the count ("... <where>"), unless `skip_missing`: then their pairs are dropped and counted.
MissingCheck drop_missing(const std::vector<Pair>& pairs,
                          const std::function<bool(const std::string&)>& available, bool skip_missing,
                          const std::string& where);

/// The pairs an evaluation uses: read from config.pairs (format, ext), interleaved when
/// config.interleave_folds, then checked with `available` (see drop_missing).
struct PreparedPairs {
  std::vector<Pair> pairs;
  int64_t num_missing = 0;  ///< missing images (only with skip_missing)
  int64_t dropped_pairs = 0;
};
PreparedPairs prepare_pairs(const EvalConfig& config, const std::function<bool(const std::string&)>& available,
                            const std::string& where);

}  // namespace facenet::eval
