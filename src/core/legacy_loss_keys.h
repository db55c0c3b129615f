#pragma once
// Loss keys from before loss.head (private to src/core), still read from old configs, old
// checkpoints' embedded configs and --set, and mapped onto their replacements with a warning:
//   loss.type: softmax | triplet | softmax_triplet | arcface | cosface | arcface_triplet | cosface_triplet
//     -> loss.head (none for triplet) and whether loss.triplet_weight is 0 (no triplet term);
//   loss.arcface_m, loss.cosface_m -> loss.margin when loss.head is that head.
// A source (a file, or the --set list) is mapped once it has been read whole: an old file's
// loss.type comes before the loss.triplet_weight it overrules. Later sources win as usual; a
// source that sets an old key and its replacement together is an error.
#include <yaml-cpp/yaml.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "facenet/core/config.h"

namespace facenet {

/// key -> where it was set ("file:line" or "--set key=value").
using KeyOrigins = std::map<std::string, std::string>;

class LegacyLossKeys {
 public:
  /// Takes `key` when it is an old loss key (returns true); a bad value adds to `errors`.
  bool read(const std::string& key, const YAML::Node& value, const std::string& where,
            std::vector<std::string>& errors);

  /// Maps what the source just read set onto `config` (recording the origins) and warns once,
  /// naming each replacement. `set_here`: the keys that source set itself.
  void apply(Config& config, KeyOrigins& origins, const KeyOrigins& set_here, std::vector<std::string>& errors);

 private:
  struct Type {
    std::string name, where, head;
    bool triplet = false;
  };
  struct Margin {
    std::string key, where;
    double value = 0;
  };
  std::optional<Type> type_;                 ///< this source's loss.type
  std::map<std::string, Margin> margins_;    ///< head -> this source's loss.<head>_m
  std::map<std::string, double> remembered_;  ///< head -> the last old margin of any source so far
};

}  // namespace facenet
