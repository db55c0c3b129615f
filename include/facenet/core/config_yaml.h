#pragma once
// Loading, overriding, validating and printing Config. Every error names the
// key, the source (file or --set) and the line, and suggests the nearest key.
#include <string>
#include <vector>

#include "facenet/core/config.h"

namespace facenet {

/// Defaults < file < overrides (`a.b=value`, values parsed as YAML scalars or flow lists).
/// Throws ConfigError listing every problem found (unknown keys, types, ranges).
Config load_config(const std::string& path, const std::vector<std::string>& overrides = {});

/// Same, from YAML text already in memory; `source` names it in errors.
Config load_config_text(const std::string& yaml, const std::string& source,
                        const std::vector<std::string>& overrides = {});

/// Applies `a.b=value` overrides to an existing config (e.g. one read from a checkpoint).
void apply_overrides(Config& config, const std::vector<std::string>& overrides);

/// Checks ranges and cross-field rules; throws ConfigError with every problem.
void validate(const Config& config);

/// The resolved config as YAML (every key, in a stable order).
std::string to_yaml(const Config& config);

/// Every valid key, dotted (`train.batch_size`), in declaration order.
std::vector<std::string> config_keys();

/// Edit distance; used to suggest the nearest valid key.
std::size_t edit_distance(const std::string& a, const std::string& b);

}  // namespace facenet
